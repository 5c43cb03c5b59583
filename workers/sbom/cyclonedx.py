"""Packages -> a deterministic CycloneDX 1.6 `Bom` whose metadata component is the image.

Determinism (same image, same bytes) matters because the SBOM is signed: the serial number is a
UUIDv5 of the image id, the timestamp is the image's `created` time, and components are sorted.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.model import Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence
from cyclonedx.model.dependency import Dependency
from cyclonedx.model.license import DisjunctiveLicense, LicenseExpression
from cyclonedx.spdx import fixup_id
from packageurl import PackageURL

from workers.image import ImageFS
from workers.sbom.package import Catalog, Distro, Package

LAYER_PROPERTY = "dockgate:layer"
OWNER_PROPERTY = "dockgate:package:owner"
CATALOGER_PROPERTY = "dockgate:package:found-by"
SBOM_NAMESPACE = uuid.UUID("6f1d6a64-3f0e-5c59-9c1e-6b2a4c1d9e00")
_TYPES = {t.value: t for t in ComponentType}
_LICENSES = LicenseFactory()


def serial_for(image: ImageFS) -> uuid.UUID:
    """The BOM serial number: a UUIDv5 of the image id (re-running on the same image repeats it)."""
    return uuid.uuid5(SBOM_NAMESPACE, image.image_id)


def build_bom(image: ImageFS, catalog: Catalog, tool_version: str) -> Bom:
    root = _image_component(image)
    taken: set[str] = set()
    components = [_component(p, taken) for p in sorted(catalog.packages, key=_sort_key)]
    if catalog.distro is not None:
        components.insert(0, _os_component(catalog.distro))
    components.sort(key=_library_order)
    bom = Bom(
        serial_number=serial_for(image),
        metadata=BomMetaData(component=root, timestamp=_created(image)),
        components=components,
    )
    bom.metadata.tools.components.add(
        Component(type=ComponentType.APPLICATION, name="dockgate", version=tool_version, group="dockgate")
    )
    # Dependencies built directly: Bom.register_dependency is quadratic in the component count
    edges = [Dependency(ref=c.bom_ref) for c in components]
    bom.dependencies.update([Dependency(ref=root.bom_ref, dependencies=edges), *edges])
    _skip_known_refs(bom, {root.bom_ref, *(c.bom_ref for c in components)})
    return bom


def _skip_known_refs(bom: Bom, known: set[Any]) -> None:
    """Bom.validate() (run by every serialiser) calls register_dependency once per component, and
    each call scans all dependencies: quadratic. Every ref is registered already, so skip those."""
    original = bom.register_dependency

    def register(target: Any, depends_on: Any = None) -> None:
        if depends_on is None and target.bom_ref in known:
            return
        original(target, depends_on)

    bom.register_dependency = register  # type: ignore[method-assign]


def _library_order(component: Component) -> tuple[str, str, bool, str, str]:
    """The order cyclonedx-python-lib keeps components in (type, name, version with None last,
    bom-ref). Handing them over already sorted turns its O(n log n) comparisons of 30-field
    tuples into a single linear pass: 4 s -> 0.3 s for 2,000 components."""
    version = component.version
    return (component.type.value, component.name, version is None, version or "", str(component.bom_ref))


def _sort_key(package: Package) -> tuple[str, str, str]:
    return (package.purl, package.locations[0] if package.locations else "", package.found_by)


def _created(image: ImageFS) -> datetime:
    text = str(image.config.get("created") or "")
    try:
        return datetime.fromisoformat(text[:19]).replace(tzinfo=UTC)
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)


def _image_component(image: ImageFS) -> Component:
    labels: dict[str, Any] = (image.config.get("config") or {}).get("Labels") or {}
    digest = image.repo_digest.rpartition("@")[2] if image.repo_digest else image.image_id
    name = image.repo_digest.rpartition("@")[0] if image.repo_digest else _without_tag(image.name)
    properties = [Property(name=f"oci:label:{k}", value=str(v)) for k, v in sorted(labels.items())]
    properties.append(Property(name="dockgate:image:id", value=image.image_id))
    properties.append(Property(name="dockgate:image:name", value=image.name))
    return Component(
        type=ComponentType.CONTAINER,
        name=name or image.name,
        version=digest,
        bom_ref=f"image:{image.image_id}",
        # pkg:oci names the manifest digest, which only a registry-known image has
        purl=PackageURL(type="oci", name=name.rpartition("/")[2], version=digest)
        if image.repo_digest
        else None,
        properties=properties,
    )


def _without_tag(name: str) -> str:
    """`reg:5000/app:1.0` -> `reg:5000/app`; image ids and untagged names are kept whole."""
    base, _, tag = name.rpartition(":")
    if not base or "/" in tag or name.startswith("sha256:"):
        return name
    return base


def _os_component(distro: Distro) -> Component:
    return Component(
        type=ComponentType.OPERATING_SYSTEM,
        name=distro.id,
        version=distro.version_id or None,
        description=distro.pretty_name,
        bom_ref=f"os:{distro.id}@{distro.version_id}",
        properties=[
            Property(name=LAYER_PROPERTY, value=distro.layer_diff_id),
            Property(name="dockgate:distro:codename", value=distro.version_codename),
        ],
        evidence=_evidence(f"os:{distro.id}@{distro.version_id}", (distro.path,)),
    )


def _licenses(texts: tuple[str, ...]) -> list[LicenseExpression | DisjunctiveLicense]:
    """One expression alone, or several plain licences (CycloneDX forbids mixing the two)."""
    if len(texts) == 1:
        return [_LICENSES.make_from_string(texts[0])]
    return [
        _LICENSES.make_with_id(text) if fixup_id(text) else _LICENSES.make_with_name(text) for text in texts
    ]


def _component(package: Package, taken: set[str]) -> Component:
    ref_seed = "\0".join((package.purl, package.found_by, *package.locations[:1]))
    ref = f"{package.purl}#{hashlib.sha256(ref_seed.encode()).hexdigest()[:16]}"
    while ref in taken:  # the same package recorded twice in one file (e.g. a lockfile)
        ref_seed += "+"
        ref = f"{package.purl}#{hashlib.sha256(ref_seed.encode()).hexdigest()[:16]}"
    taken.add(ref)
    properties = [
        Property(name=LAYER_PROPERTY, value=package.layer_diff_id),
        Property(name=CATALOGER_PROPERTY, value=package.found_by),
        *(Property(name=k, value=v) for k, v in package.properties),
    ]
    if package.owner:
        properties.append(Property(name=OWNER_PROPERTY, value=package.owner))
    return Component(
        type=_TYPES.get(package.component_type, ComponentType.LIBRARY),
        name=package.name,
        version=package.version or None,
        purl=PackageURL.from_string(package.purl),
        bom_ref=ref,
        licenses=_licenses(package.licenses),
        description=package.description,
        publisher=package.supplier,
        properties=properties,
        evidence=_evidence(ref, package.locations),
    )


def _evidence(ref: str, locations: tuple[str, ...]) -> ComponentEvidence | None:
    """Occurrences with bom-refs derived from the component's: the library orders occurrences by
    bom-ref, and leaves ref-less ones in an order that changes from run to run."""
    if not locations:
        return None
    return ComponentEvidence(
        occurrences=[Occurrence(bom_ref=f"{ref}:{i:03d}", location=path) for i, path in enumerate(locations)]
    )
