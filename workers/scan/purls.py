"""From a CycloneDX component's purl to the OSV (ecosystem, release, name, version) to look up.

The mapping decides exactness: Debian advisories are keyed on the *source* package and version
(``upstream=openssl@3.0.11-1`` for ``libssl3``; a binNMU ``+b1`` or a binary's own epoch is not
the source's version) and the release (``distro=debian-12`` → ``Debian:12``);
Alpine on the origin and branch (``alpine-3.19.1`` → ``Alpine:v3.19``); Go's toolchain as
``stdlib`` with its ``go`` prefix removed. Language packages whose files an OS package owns are
routed to the distro (their patched code is tracked there, not in PyPI/npm advisories).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from packageurl import PackageURL

from workers.vulndb.names import normalise_name

OWNER_PROPERTY = "dockgate:package:owner"
# Where Debian installs language packages; used when an SBOM (e.g. syft's) lacks the owner property.
DISTRO_LANGUAGE_PATHS = ("/usr/lib/python3/dist-packages/", "/usr/share/nodejs/", "/usr/lib/nodejs/")
DEBIAN_CODENAMES = {
    "wheezy": "7", "jessie": "8", "stretch": "9", "buster": "10", "bullseye": "11",
    "bookworm": "12", "trixie": "13", "forky": "14",
}  # fmt: skip
UBUNTU_CODENAMES = {
    "trusty": "14.04", "xenial": "16.04", "bionic": "18.04", "focal": "20.04", "jammy": "22.04",
    "lunar": "23.04", "mantic": "23.10", "noble": "24.04", "oracular": "24.10", "plucky": "25.04",
}  # fmt: skip


@dataclass(frozen=True)
class PackageRef:
    """One package to look up in the database."""

    purl: str
    ecosystem: str
    release: str
    name: str
    version: str


class Unmapped(ValueError):
    """The purl names no ecosystem we hold advisories for (a reason, not a crash)."""


def _properties(component: dict[str, Any]) -> dict[str, str]:
    props: dict[str, str] = {}
    for prop in component.get("properties") or ():
        if isinstance(prop, dict) and "name" in prop:
            props.setdefault(str(prop["name"]), str(prop.get("value", "")))
    return props


def owner_of(component: dict[str, Any]) -> str | None:
    """The owning OS package's purl, or "" when an OS path shows ownership without naming it."""
    props = _properties(component)
    if props.get(OWNER_PROPERTY):
        return props[OWNER_PROPERTY]
    paths = [v for k, v in props.items() if k.startswith("syft:location:") and k.endswith(":path")]
    if paths and all(p.startswith(DISTRO_LANGUAGE_PATHS) for p in paths):
        return ""
    return None


def _distro_release(base: str, distro: str) -> str:
    if base == "Debian":
        value = distro.removeprefix("debian-")
        return DEBIAN_CODENAMES.get(value, value.split(".")[0])
    if base == "Ubuntu":
        value = distro.removeprefix("ubuntu-")
        return UBUNTU_CODENAMES.get(value, ".".join(value.split(".")[:2]))
    parts = distro.removeprefix("alpine-").split(".")
    return "v" + ".".join(parts[:2]) if len(parts) >= 2 else ""


def _source(qualifiers: dict[str, str], name: str, version: str) -> tuple[str, str]:
    """(source package, source version): `upstream=openssl@3.0.11-1` (ours and syft's) or
    `upstream=openssl (3.0.11-1)` (dpkg's spelling); without a version the binary's is used."""
    for key in ("upstream", "source", "origin"):
        value = qualifiers.get(key, "").strip()
        if value:
            source, _, rest = value.replace(" (", "@", 1).partition("@")
            return source.split(" ")[0], rest.rstrip(")").strip() or version
    return name, version


@functools.lru_cache(maxsize=100_000)
def to_ref(purl_text: str) -> PackageRef:
    """Map one purl; raises Unmapped with the reason it cannot be looked up."""
    try:
        purl = PackageURL.from_string(purl_text)
    except ValueError as exc:
        raise Unmapped(f"invalid purl: {exc}") from exc
    if not purl.version:
        raise Unmapped("purl has no version")
    kind, ns, name, version = purl.type, purl.namespace or "", purl.name, purl.version
    qualifiers = purl.qualifiers if isinstance(purl.qualifiers, dict) else {}
    if kind == "pypi":
        return PackageRef(purl_text, "PyPI", "", normalise_name("PyPI", name), version)
    if kind == "npm":
        full = f"{ns}/{name}" if ns else name
        return PackageRef(purl_text, "npm", "", normalise_name("npm", full), version)
    if kind == "golang":
        full = f"{ns}/{name}" if ns else name
        return PackageRef(purl_text, "Go", "", full, version)
    if kind == "cargo":
        return PackageRef(purl_text, "crates.io", "", name, version)
    if kind == "maven":
        return PackageRef(purl_text, "Maven", "", f"{ns}:{name}", version)
    if kind in ("deb", "apk"):
        base = {"debian": "Debian", "ubuntu": "Ubuntu", "alpine": "Alpine"}.get(ns.lower())
        if base is None:
            raise Unmapped(f"no OSV data for {kind} namespace {ns!r}")
        release = _distro_release(base, qualifiers.get("distro", ""))
        if not release:
            raise Unmapped("purl has no usable `distro` qualifier (release unknown)")
        source, source_version = _source(qualifiers, name, version)
        if base != "Alpine":  # Debian/Ubuntu advisories are on source versions (binNMU `+b1`, own epochs)
            version = source_version
        return PackageRef(purl_text, base, release, normalise_name(base, source), version)
    raise Unmapped(f"no OSV ecosystem for purl type {kind!r}")
