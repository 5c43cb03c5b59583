"""The scanned image's identity, and whether an OpenVEX image product (`pkg:oci`, `pkg:docker` or a
plain image reference) names it.

The identity comes from the SBOM's ``metadata.component`` (ours: the repository name, the manifest
digest as ``version``, a ``pkg:oci`` purl and the ``dockgate:image:id``/``:name`` properties;
syft's: name and digest). A product with a digest applies only to that digest; one without
applies to the repository it names (``repository_url``, or the purl's name as the last path
segment). An SBOM that does not say which image it describes matches no image product, so a VEX
statement about some other image can never suppress a finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from packageurl import PackageURL

IMAGE_PURL_TYPES = frozenset({"oci", "docker"})


def _strip_reference(name: str) -> tuple[str, str]:
    """`reg:5000/team/app:1.0@sha256:ab` -> (`reg:5000/team/app`, `sha256:ab`); lowercase."""
    name, _, digest = name.strip().lower().partition("@")
    if name.startswith("sha256:"):  # a bare image id or digest
        return "", name
    base, _, tag = name.rpartition(":")
    if base and "/" not in tag:
        name = base
    return name.removeprefix("docker.io/"), digest


@dataclass(frozen=True)
class ImageIdentity:
    """Which image an SBOM describes: repository names (no tag) and digests (manifest, image id)."""

    repositories: frozenset[str] = frozenset()
    digests: frozenset[str] = frozenset()

    @classmethod
    def from_bom(cls, bom: Mapping[str, Any]) -> ImageIdentity:
        metadata = bom.get("metadata")
        component = metadata.get("component") if isinstance(metadata, Mapping) else None
        if not isinstance(component, Mapping):
            return cls()
        names = [str(component.get("name") or "")]
        digests = [str(component.get("version") or "")]
        for prop in component.get("properties") or ():
            if isinstance(prop, Mapping) and prop.get("name") in ("dockgate:image:id", "dockgate:image:name"):
                (digests if prop["name"].endswith(":id") else names).append(str(prop.get("value") or ""))
        purl = _parse(str(component.get("purl") or ""))
        if purl is not None:
            digests.append(purl.version or "")
            names.append(_qualifier(purl, "repository_url"))
        repositories, found = set(), set()
        for name in filter(None, names):
            repository, digest = _strip_reference(name)
            repositories.add(repository)
            found.add(digest)
        found.update(d.lower() for d in digests)
        return cls(
            frozenset(filter(None, repositories)),
            frozenset(d for d in found if d.startswith("sha256:")),
        )

    def matches(self, product: str) -> bool:
        """True when the image product names this image (see the module docstring)."""
        purl = _parse(product) if product.startswith("pkg:") else None
        if purl is not None:
            version = (purl.version or "").lower()
            digest = version if version.startswith("sha256:") else ""
            repository = _strip_reference(_qualifier(purl, "repository_url"))[0]
            name = f"{purl.namespace}/{purl.name}" if purl.namespace else purl.name
        else:
            repository, digest = _strip_reference(product)
            name = ""
        if digest:
            return digest in self.digests
        if repository:
            return repository in self.repositories
        names = {name.lower(), name.lower().removeprefix("library/")} - {""}
        return any(r == n or r.endswith("/" + n) for r in self.repositories for n in names)


def _parse(text: str) -> PackageURL | None:
    try:
        return PackageURL.from_string(text) if text else None
    except ValueError:
        return None


def _qualifier(purl: PackageURL, key: str) -> str:
    qualifiers = purl.qualifiers if isinstance(purl.qualifiers, dict) else {}
    return str(qualifiers.get(key) or "")


def is_image_product(product: str) -> bool:
    """Image-level (an OCI/Docker purl or a non-purl image reference), not a package purl."""
    return not product.startswith("pkg:") or product[4:].split("/", 1)[0].lower() in IMAGE_PURL_TYPES
