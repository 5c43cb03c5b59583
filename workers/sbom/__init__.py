"""SBOMs of container images: native catalogers (or syft) -> a validated, deterministic CycloneDX 1.6.

with open_image("docker-archive:app.tar") as image:
    text = to_json(generate(image))
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cyclonedx.model.bom import Bom
from cyclonedx.output.json import JsonV1Dot6

from workers.image import ImageFS, open_image
from workers.sbom.cyclonedx import CATALOGER_PROPERTY, LAYER_PROPERTY, OWNER_PROPERTY
from workers.sbom.errors import SbomError, SyftUnavailable
from workers.sbom.generator import (
    NativeGenerator,
    SbomBackend,
    SbomGenerator,
    SyftGenerator,
    catalog_image,
    to_backend,
)
from workers.sbom.package import Catalog, Distro, Package, Skipped
from workers.sbom.validation import validate_document

__all__ = [
    "CATALOGER_PROPERTY",
    "LAYER_PROPERTY",
    "OWNER_PROPERTY",
    "Catalog",
    "Distro",
    "NativeGenerator",
    "Package",
    "SbomBackend",
    "SbomError",
    "SbomGenerator",
    "Skipped",
    "SyftGenerator",
    "SyftUnavailable",
    "catalog_image",
    "generate",
    "generate_sbom",
    "to_backend",
    "to_json",
    "validate_json",
]


def generate(image: ImageFS) -> Bom:
    """The native CycloneDX SBOM of an opened image."""
    return NativeGenerator().generate(image)


def validate_json(text: str) -> None:
    """Raise SbomError unless `text` validates against the CycloneDX 1.6 JSON schema (strict)."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise SbomError(f"the SBOM is not JSON: {exc}") from exc
    validate_document(document)


def to_json(bom: Bom) -> str:
    """CycloneDX 1.6 JSON (validated); the same Bom always serialises to the same text."""
    text = JsonV1Dot6(bom).output_as_string(indent=2)
    validate_json(text)
    return text


def generate_sbom(
    source: str, *, docker_client: Any = None, registry_credentials: Path | None = None
) -> dict[str, Any]:
    """Open `source` (engine name, `docker-archive:`, `registry:`) and return its SBOM as a JSON object."""
    with open_image(source, docker_client=docker_client, registry_credentials=registry_credentials) as image:
        document = json.loads(to_json(generate(image)))
    if not isinstance(document, dict):
        raise SbomError(f"the SBOM of {source} is not a JSON object")
    return document
