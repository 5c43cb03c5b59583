"""The syft backend behind the same Protocol, and our recall against it on the same archive."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workers.image import open_image
from workers.sbom import LAYER_PROPERTY, SbomGenerator, to_backend, to_json

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_syft_backend_and_recall(
    goapp: str, archive_of: Callable[[str], Path], sbom_of: Callable[[str], dict[str, Any]]
) -> None:
    generator: SbomGenerator = to_backend("syft")
    with open_image(f"docker-archive:{archive_of(goapp)}") as image:
        document = json.loads(to_json(generator.generate(image)))
        diff_ids = {layer.diff_id for layer in image.layers}
    theirs = {c["purl"] for c in document["components"] if c.get("purl")}
    ours = {c["purl"] for c in sbom_of(goapp)["components"] if c.get("purl")}
    # syft's binary classifier also reports `gzip@1.0` inside busybox: a false positive we do not copy
    assert theirs - ours == {"pkg:generic/gzip@1.0"}
    assert len(theirs & ours) / len(theirs) >= 0.99
    for component in document["components"]:
        props = {p["name"]: p["value"] for p in component.get("properties", [])}
        if "syft:location:0:layerID" in props:
            assert props[LAYER_PROPERTY] in diff_ids
