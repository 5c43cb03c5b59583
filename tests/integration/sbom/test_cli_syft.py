"""`dockgate sbom --backend syft` with the real syft: the Protocol's post-processing (our layer property
on syft's components, validated CycloneDX 1.6), on the same archive the native backend reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from workers.image import open_image
from workers.sbom import LAYER_PROPERTY

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_cli_syft_backend_adds_layer_properties(
    goapp: str, archive_of: Callable[[str], Path], tmp_path: Path
) -> None:
    archive = archive_of(goapp)
    out = tmp_path / "syft.cdx.json"
    assert main(["sbom", f"docker-archive:{archive}", "--backend", "syft", "-o", str(out)]) == 0
    document: dict[str, Any] = json.loads(out.read_text())
    assert document["specVersion"] == "1.6"
    with open_image(f"docker-archive:{archive}") as image:
        diff_ids = {layer.diff_id for layer in image.layers}
    layers = {
        p["value"]
        for c in document["components"]
        for p in c.get("properties", [])
        if p["name"] == LAYER_PROPERTY
    }
    assert layers and layers <= diff_ids
    assert "pkg:golang/github.com/anchore/syft@v1.18.1" in {c.get("purl") for c in document["components"]}
