"""Exact version ordering per OSV ecosystem.

OSV ranges are only as exact as the comparator behind them: PEP 440 for PyPI (`packaging`), semver
for npm, Go and crates.io (`semver`, with npm's loose ``1.0`` and Go's ``v``/``go`` prefixes
coerced), dpkg for Debian and Ubuntu (`python-debian`), Maven's ComparableVersion (`univers`),
apk for Alpine (:mod:`.apkver`). Each
key function raises :class:`InvalidVersion` so the matcher can report a skip instead of guessing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import semver
from debian.debian_support import Version as DebVersion
from packaging.version import InvalidVersion as Pep440Invalid
from packaging.version import Version as Pep440Version
from univers.versions import MavenVersion

from workers.scan import apkver


class InvalidVersion(ValueError):
    """A version string the ecosystem's own tools would reject."""


class _ApkKey:
    """Sort key wrapper around :func:`apkver.compare`."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __lt__(self, other: _ApkKey) -> bool:
        return apkver.compare(self.text, other.text) < 0

    def __le__(self, other: _ApkKey) -> bool:
        return apkver.compare(self.text, other.text) <= 0

    def __gt__(self, other: _ApkKey) -> bool:
        return apkver.compare(self.text, other.text) > 0

    def __ge__(self, other: _ApkKey) -> bool:
        return apkver.compare(self.text, other.text) >= 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ApkKey) and apkver.compare(self.text, other.text) == 0

    def __hash__(self) -> int:
        return hash(self.text)


def _pep440(text: str) -> Any:
    try:
        return Pep440Version(text)
    except Pep440Invalid as exc:
        raise InvalidVersion(f"{text!r} is not a PEP 440 version") from exc


_GO_RC = re.compile(r"^(\d+\.\d+(?:\.\d+)?)(beta|rc)(\d+)$")


def _semver(text: str) -> Any:
    """Parsed by `semver`, then turned into a plain tuple so comparisons run at C speed.

    Precedence per semver 2.0 §11: a release sorts after its pre-releases; numeric identifiers
    sort numerically and before alphanumeric ones; build metadata is ignored.
    """
    cleaned = text.strip().lstrip("=v")
    try:
        parsed = semver.Version.parse(cleaned, optional_minor_and_patch=True)
    except (ValueError, TypeError) as exc:
        raise InvalidVersion(f"{text!r} is not a semantic version") from exc
    if not parsed.prerelease:
        return (parsed.major, parsed.minor, parsed.patch, 1, ())
    idents = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parsed.prerelease.split("."))
    return (parsed.major, parsed.minor, parsed.patch, 0, idents)


def _go(text: str) -> Any:
    """Go modules are semver with a `v`; the toolchain spells `go1.21rc2` for 1.21.0-rc.2."""
    cleaned = text.strip().removeprefix("go").removeprefix("v").removesuffix("+incompatible")
    match = _GO_RC.match(cleaned)
    if match:
        base, kind, number = match.groups()
        base = base if base.count(".") == 2 else base + ".0"
        cleaned = f"{base}-{kind}.{number}"
    return _semver(cleaned)


def _dpkg(text: str) -> Any:
    try:
        return DebVersion(text)
    except ValueError as exc:
        raise InvalidVersion(f"{text!r} is not a Debian version") from exc


def _maven(text: str) -> Any:
    """Maven's ComparableVersion order (qualifiers alpha < beta < milestone < rc < snapshot < GA < sp)."""
    if not text.strip():
        raise InvalidVersion("empty Maven version")
    try:
        return MavenVersion(text)
    except (ValueError, TypeError) as exc:
        raise InvalidVersion(f"{text!r} is not a Maven version") from exc


def _apk(text: str) -> Any:
    if not apkver.is_valid(text):
        raise InvalidVersion(f"{text!r} is not an Alpine package version")
    return _ApkKey(text)


_KEYS: dict[str, Callable[[str], Any]] = {
    "PyPI": _pep440,
    "npm": _semver,
    "crates.io": _semver,
    "Go": _go,
    "Debian": _dpkg,
    "Ubuntu": _dpkg,
    "Alpine": _apk,
    "Maven": _maven,
}


def supported(ecosystem: str) -> bool:
    """True when versions of `ecosystem` (without `:release`) can be ordered exactly."""
    return ecosystem in _KEYS


@functools.lru_cache(maxsize=200_000)
def version_key(ecosystem: str, text: str) -> Any:
    """A comparable key for `text` in `ecosystem`; raises InvalidVersion or KeyError (no comparator)."""
    return _KEYS[ecosystem](text)


def normalise(ecosystem: str, text: str) -> str:
    """The canonical spelling used to compare against OSV `versions[]` lists (falls back to text)."""
    if ecosystem == "PyPI":
        try:
            return str(Pep440Version(text))
        except Pep440Invalid:
            return text
    if ecosystem == "Go":
        return text.removeprefix("go").removeprefix("v")
    return text
