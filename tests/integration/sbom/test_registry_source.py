"""`registry:REF` with basic auth (the production registry): same SBOM as from the archive."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from attestations.errors import DockgateError
from workers.image import open_image
from workers.sbom import generate, to_json

pytestmark = [pytest.mark.docker, pytest.mark.registry, pytest.mark.slow]


def test_sbom_from_authenticated_registry_matches_archive(
    docker_client: Any,
    goapp: str,
    prod_registry: str,
    prod_credentials: dict[str, str],
    prod_credentials_path: Path,
    sbom_of: Callable[[str], dict[str, Any]],
) -> None:
    repository, tag = goapp.rsplit(":", 1)
    remote = f"{prod_registry}/{repository}"
    docker_client.images.get(goapp).tag(remote, tag)
    try:
        for line in docker_client.images.push(
            remote, tag, auth_config=prod_credentials, stream=True, decode=True
        ):
            assert "error" not in line, line
    finally:
        docker_client.images.remove(f"{remote}:{tag}")
    with pytest.raises(DockgateError):
        open_image(f"registry:{remote}:{tag}")  # no credentials: refused, with a DockgateError
    with open_image(f"registry:{remote}:{tag}", registry_credentials=prod_credentials_path) as image:
        assert image.repo_digest and image.repo_digest.startswith(f"{remote}@sha256:")
        document = json.loads(to_json(generate(image)))
    local = sbom_of(goapp)
    assert document["components"] == local["components"]
    assert document["serialNumber"] == local["serialNumber"]  # same image id, same serial
    root = document["metadata"]["component"]
    assert root["purl"].startswith("pkg:oci/") and root["version"] == image.repo_digest.rpartition("@")[2]
