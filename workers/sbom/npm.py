"""JavaScript packages: every `package.json` with a name and version (node_modules, Debian's
`/usr/share/nodejs`, application roots), plus lockfile entries not installed on disk.

Lockfiles: package-lock.json and npm-shrinkwrap.json (v1 `dependencies` tree, v2/v3 `packages`)
name the directory each package is installed in, so an entry counts only when that directory has
no package.json (and, when npm installed a tree there, is not one it left out as dev or optional);
yarn.lock and pnpm-lock.yaml do not, so their entries count only when no package
under the lockfile's directory already has that name and version. Only applications' lockfiles
are read: one inside an installed package (`node_modules/`, Debian's `/usr/share/nodejs/`, any
file an OS package owns) records that package's own development (Debian's node image ships
~1,600 such entries), not what this image holds.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from workers.image import FileEntry, ImageError
from workers.sbom.licenses import spdx_or_name
from workers.sbom.npmlock import LockEntry, npm_entries, pnpm_entries, yarn_entries
from workers.sbom.ownership import OS_CATALOGERS
from workers.sbom.package import Catalog, FileIndex, Package, Skipped, purl

LIMIT = 4 << 20
LOCK_LIMIT = 64 << 20
NPM_LOCKS = ("package-lock.json", "npm-shrinkwrap.json")
YARN_PNPM = (("yarn.lock", yarn_entries), ("pnpm-lock.yaml", pnpm_entries))
INSTALLED = ("/node_modules/", "/usr/share/nodejs/", "/usr/lib/nodejs/")


def npm_purl(name: str, version: str) -> str:
    scope, _, bare = name.rpartition("/")
    return purl("npm", bare, version, namespace=scope or None)


def _licenses(doc: dict[str, Any]) -> tuple[str, ...]:
    value = doc.get("license")
    if isinstance(value, dict):
        value = value.get("type")
    if isinstance(value, str) and value.strip():
        return (value.strip() if " " in value.strip() else spdx_or_name(value),)
    items = doc.get("licenses")
    if isinstance(items, list):
        names = [i.get("type") if isinstance(i, dict) else i for i in items]
        return tuple(sorted({spdx_or_name(n) for n in names if isinstance(n, str) and n}))
    return ()


class NpmCataloger:
    name = "npm"

    def catalog(self, index: FileIndex, found: Catalog) -> None:
        seen: set[str] = set()
        for entry in index.named("package.json"):
            doc = self._load(index, entry, found)
            if doc is None:
                continue
            name, version = doc.get("name"), doc.get("version")
            if not isinstance(name, str) or not name:
                continue
            version = version if isinstance(version, str) else ""  # syft reports these too, unversioned
            seen.add(posixpath.dirname(entry.path))
            found.packages.append(self._package(entry.path, entry.layer_diff_id, name, version, doc, ()))
        locks = [e for name in (*NPM_LOCKS, *(y[0] for y in YARN_PNPM)) for e in index.named(name)]
        locks = self._applications(locks, found)
        for entry in locks:
            basename = entry.path.rpartition("/")[2]
            if basename in NPM_LOCKS:
                doc = self._load(index, entry, found, LOCK_LIMIT)
                if doc is not None:
                    self._lock(entry, npm_entries(posixpath.dirname(entry.path), doc), seen, found)
                continue
            try:
                text = index.image.read(entry.path, limit=LOCK_LIMIT).decode("utf-8", "replace")
            except ImageError as exc:
                found.skipped.append(Skipped(self.name, entry.path, exc.diagnostics()))
                continue
            self._lock(entry, dict(YARN_PNPM)[basename](text), seen, found)

    @staticmethod
    def _applications(locks: list[FileEntry], found: Catalog) -> list[FileEntry]:
        """Lockfiles of applications: npm's first (they place packages), none inside an installed package."""
        locks = [
            e for e in locks if e.type in ("file", "hardlink") and not any(d in e.path for d in INSTALLED)
        ]
        if locks:
            owned = {f for p in found.packages if p.found_by in OS_CATALOGERS for f in p.owned_files}
            locks = [e for e in locks if e.path not in owned]
        order = {name: i for i, name in enumerate((*NPM_LOCKS, *(y[0] for y in YARN_PNPM)))}
        return sorted(locks, key=lambda e: (order[e.path.rpartition("/")[2]], e.path))

    def _load(
        self, index: FileIndex, entry: FileEntry, found: Catalog, limit: int = LIMIT
    ) -> dict[str, Any] | None:
        if entry.type not in ("file", "hardlink"):
            return None
        try:
            doc = json.loads(index.image.read(entry.path, limit=limit))
        except (ImageError, ValueError) as exc:
            reason = exc.diagnostics() if isinstance(exc, ImageError) else f"not JSON: {exc}"
            found.skipped.append(Skipped(self.name, entry.path, reason))
            return None
        return doc if isinstance(doc, dict) else None

    def _package(
        self, path: str, layer: str, name: str, version: str, doc: dict[str, Any], extra: tuple[str, ...]
    ) -> Package:
        author = doc.get("author")
        if isinstance(author, dict):
            author = author.get("name")
        return Package(
            name=name,
            version=version,
            purl=npm_purl(name, version),
            found_by=self.name,
            layer_diff_id=layer,
            locations=(path, *extra),
            licenses=_licenses(doc),
            owned_files=frozenset({path}),
            description=doc.get("description") if isinstance(doc.get("description"), str) else None,
            supplier=author if isinstance(author, str) and author else None,
        )

    def _lock(self, entry: FileEntry, entries: Iterator[LockEntry], seen: set[str], found: Catalog) -> None:
        """Lockfile entries not installed: by directory (npm), else by name and version under the root."""
        root = posixpath.dirname(entry.path)
        below = f"{root.rstrip('/')}/"
        present = {
            (p.name, p.version)
            for p in found.packages
            if p.found_by in (self.name, "npm-lock") and p.locations and p.locations[0].startswith(below)
        }
        installed = any(
            p.locations[0].startswith(f"{below}node_modules/") for p in found.packages if p.locations
        )
        for lock in entries:
            if lock.directory:
                if lock.directory in seen:
                    continue
                if installed and (lock.info.get("dev") is True or lock.info.get("optional") is True):
                    continue  # npm installed this tree and left these out (--omit=dev, other platforms)
                seen.add(lock.directory)
            elif (lock.name, lock.version) in present:
                continue
            present.add((lock.name, lock.version))
            package = self._package(entry.path, entry.layer_diff_id, lock.name, lock.version, lock.info, ())
            found.packages.append(replace(package, found_by="npm-lock", owned_files=frozenset()))
