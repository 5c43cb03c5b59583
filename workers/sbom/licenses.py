"""Licence names as packages declare them, turned into SPDX ids where the mapping is unambiguous."""

from __future__ import annotations

import re

from cyclonedx.spdx import fixup_id

# Debian copyright short names (DEP-5) that are not SPDX ids as written.
_DEB_ALIASES = {
    "expat": "MIT",
    "bsd-2": "BSD-2-Clause",
    "bsd-3": "BSD-3-Clause",
    "bsd-4": "BSD-4-Clause",
    "public-domain": "",
    "psf-2": "PSF-2.0",
    "apache-2": "Apache-2.0",
    "zlib": "Zlib",
    "mpl-2": "MPL-2.0",
}
_GNU = re.compile(r"^(a?gpl|lgpl|gfdl)-?(\d(?:\.\d)?)(\+)?$", re.IGNORECASE)
_COMMON = re.compile(rb"/usr/share/common-licenses/([A-Za-z0-9.+-]+[A-Za-z0-9+])")
_FIELD = re.compile(rb"^License:[ \t]*(\S[^\n]*)$", re.MULTILINE)


def spdx_or_name(text: str) -> str:
    """`GPL-2+` -> `GPL-2.0-or-later`, `expat` -> `MIT`; anything unknown is returned as written."""
    text = text.strip().rstrip(".,;")
    match = _GNU.match(text)
    if match:
        family, number, plus = match.groups()
        number = number if "." in number else f"{number}.0"
        return f"{family.upper()}-{number}-{'or-later' if plus else 'only'}"
    alias = _DEB_ALIASES.get(text.lower())
    if alias is not None:
        return alias
    return fixup_id(text) or text


def from_debian_copyright(data: bytes) -> tuple[str, ...]:
    """Licences named in a Debian copyright file (DEP-5 `License:` fields, common-licenses paths)."""
    found: set[str] = set()
    for match in _FIELD.finditer(data):
        value = match.group(1).decode("utf-8", "replace")
        for part in re.split(r"\s+(?:or|and)\s+|\s*[|,]\s*", value):
            name = spdx_or_name(part)
            if name and " " not in name and len(name) < 40:
                found.add(name)
    for match in _COMMON.finditer(data):
        name = spdx_or_name(match.group(1).decode())
        if name:
            found.add(name)
    return tuple(sorted(found))
