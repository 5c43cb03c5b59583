"""How OSV spells ecosystems and package names, normalised once at import and once per scan.

Matching is an index lookup on (ecosystem, release, name), so both sides must agree on spelling:
PEP 503 names for PyPI, lower case for npm, the release split off distro ecosystems
(``Debian:12`` → ``Debian`` + ``12``; ``Ubuntu:22.04:LTS`` → ``Ubuntu`` + ``22.04``).
"""

from __future__ import annotations

from packaging.utils import canonicalize_name


def split_ecosystem(ecosystem: str) -> tuple[str, str]:
    """(base ecosystem, release) from OSV's ``affected[].package.ecosystem``."""
    base, _, release = ecosystem.partition(":")
    if base == "Ubuntu" and release:
        parts = [p for p in release.split(":") if p not in {"LTS", "FIPS", "FIPS-preview", "FIPS-updates"}]
        release = ":".join(parts)
    return base, release


def normalise_name(base: str, name: str) -> str:
    """The index key of a package name inside `base` ecosystem."""
    if base == "PyPI":
        return canonicalize_name(name)
    if base in {"npm", "Debian", "Ubuntu", "Alpine"}:
        return name.lower()
    return name
