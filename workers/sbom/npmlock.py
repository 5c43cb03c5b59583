"""JavaScript lockfiles as (name, version, where) entries: npm's package-lock / npm-shrinkwrap (v1
`dependencies` tree, v2/v3 `packages` map), yarn.lock (classic v1 and berry) and pnpm-lock.yaml
(v5 to v9). Pure functions on text or parsed JSON; nothing here raises on odd input.

The yarn and pnpm files are YAML-like; only the lines these parsers need are read (no YAML
library: a lockfile from an image is untrusted and can be large).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_LOCAL = ("workspace:", "link:", "portal:", "file:")
_VERSION = re.compile(r"^\d+\.\d+\.\d+[\w.+-]*$")
_PNPM_VERSION = re.compile(r"^lockfileVersion:\s*['\"]?(\d+)", re.MULTILINE)


@dataclass(frozen=True)
class LockEntry:
    name: str
    version: str
    directory: str  # where npm installs it ("" when the lockfile says nothing: yarn, pnpm)
    info: dict[str, Any]  # the entry's own fields (license, dev, resolved...) when the format has them


def npm_entries(root: str, doc: dict[str, Any]) -> Iterator[LockEntry]:
    """package-lock.json / npm-shrinkwrap.json: v2/v3 `packages`, else the v1 `dependencies` tree."""
    packages = doc.get("packages")
    if isinstance(packages, dict):
        for rel, info in sorted(packages.items()):
            if not rel or not isinstance(info, dict) or not isinstance(info.get("version"), str):
                continue
            if info.get("link"):
                continue
            name = info.get("name") or rel.rpartition("node_modules/")[2]
            if isinstance(name, str) and name:
                yield LockEntry(name, info["version"], posixpath.normpath(posixpath.join(root, rel)), info)
        return
    yield from _npm_v1(root, doc.get("dependencies"), 0)


def _npm_v1(directory: str, dependencies: Any, depth: int) -> Iterator[LockEntry]:
    if not isinstance(dependencies, dict) or depth > 64:
        return
    for name, info in sorted(dependencies.items()):
        if not isinstance(name, str) or not name or not isinstance(info, dict):
            continue
        version = info.get("version")
        installed = f"{directory}/node_modules/{name}"
        if isinstance(version, str) and _VERSION.match(version):  # not git/tarball URLs or file: paths
            yield LockEntry(name, version, installed, info)
        yield from _npm_v1(installed, info.get("dependencies"), depth + 1)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _name_of(descriptor: str) -> tuple[str, str]:
    """`@scope/pkg@npm:^1.0` -> (`@scope/pkg`, `npm:^1.0`)."""
    at = descriptor.find("@", 1)
    return (descriptor, "") if at < 0 else (descriptor[:at], descriptor[at + 1 :])


def yarn_entries(text: str) -> Iterator[LockEntry]:
    """yarn.lock: classic v1 (`version "1.2.3"`) and berry (`version: 1.2.3`, `resolution: ...`)."""
    for key, fields in _yaml_blocks(text):
        if key == "__metadata":
            continue
        first = key.split(",")[0].strip().strip("\"'")  # v1 quotes each descriptor, berry the list
        resolution = _unquote(fields.get("resolution", ""))
        name, specifier = _name_of(resolution or first)
        version = _unquote(fields.get("version", ""))
        if not name or not version or specifier.startswith(_LOCAL) or version.endswith("-use.local"):
            continue
        if _name_of(first)[1].startswith(_LOCAL):
            continue
        yield LockEntry(name, version, "", {})


def _yaml_blocks(text: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Top-level `key:` lines and the `field value` / `field: value` lines indented under them."""
    key = ""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            if key:
                yield key, fields
            key, fields = (line.rstrip()[:-1], {}) if line.rstrip().endswith(":") else ("", {})
        elif key and line.startswith("  ") and not line.startswith("   "):
            field, _, value = line.strip().partition(" ")
            fields.setdefault(field.rstrip(":"), value.strip())
    if key:
        yield key, fields


def pnpm_entries(text: str) -> Iterator[LockEntry]:
    """pnpm-lock.yaml `packages:` keys: `/name/1.0.0_peer` (v5), `/name@1.0.0(peer)` (v6), `name@1.0.0`
    (v9)."""
    match = _PNPM_VERSION.search(text)
    major = int(match.group(1)) if match else 9
    in_packages = False
    seen: set[tuple[str, str]] = set()
    for line in text.splitlines():
        if line and not line[0].isspace():
            in_packages = line.rstrip() == "packages:"
            continue
        if (
            not in_packages
            or not line.startswith("  ")
            or line.startswith("   ")
            or not line.rstrip().endswith(":")
        ):
            continue
        key = _unquote(line.strip()[:-1]).lstrip("/")
        if major < 6:  # peers follow an underscore; names may hold one, versions never do
            name, _, rest = key.rpartition("/")
            version = rest.partition("_")[0]
        else:
            name, version = _name_of(key.partition("(")[0])
        if name and _VERSION.match(version) and (name, version) not in seen:
            seen.add((name, version))
            yield LockEntry(name, version, "", {})
