"""JavaScript packages: every `package.json` with a name and version (node_modules, Debian's
`/usr/share/nodejs`, application roots), plus `package-lock.json` entries not installed on disk."""

from __future__ import annotations

import json
import posixpath
from dataclasses import replace
from typing import Any

from workers.image import FileEntry, ImageError
from workers.sbom.licenses import spdx_or_name
from workers.sbom.package import Catalog, FileIndex, Package, Skipped, purl

LIMIT = 4 << 20


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
        for entry in index.named("package-lock.json"):
            doc = self._load(index, entry, found)
            if doc is not None:
                self._lock(entry, doc, seen, found)

    def _load(self, index: FileIndex, entry: FileEntry, found: Catalog) -> dict[str, Any] | None:
        if entry.type not in ("file", "hardlink"):
            return None
        try:
            doc = json.loads(index.image.read(entry.path, limit=LIMIT))
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

    def _lock(self, entry: FileEntry, doc: dict[str, Any], seen: set[str], found: Catalog) -> None:
        """Lockfile v2/v3 `packages` entries whose directory holds no installed package.json."""
        root = posixpath.dirname(entry.path)
        packages = doc.get("packages")
        if not isinstance(packages, dict):
            return
        for rel, info in sorted(packages.items()):
            if not rel or not isinstance(info, dict) or not isinstance(info.get("version"), str):
                continue
            directory = posixpath.normpath(posixpath.join(root, rel))
            if directory in seen or info.get("link"):
                continue
            name = info.get("name") or rel.rpartition("node_modules/")[2]
            if not isinstance(name, str) or not name:
                continue
            seen.add(directory)
            package = self._package(entry.path, entry.layer_diff_id, name, info["version"], info, ())
            found.packages.append(replace(package, found_by="npm-lock", owned_files=frozenset()))
