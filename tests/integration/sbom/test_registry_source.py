"""`registry:REF` with basic auth (the production registry): same SBOM as from the archive."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from attestations.errors import DockgateError
from attestations.oci import RegistryClient
from workers.image import LayerCache, LayerMismatch, open_image
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


def test_layer_cache_serves_the_second_read_and_gives_the_same_sbom(
    docker_client: Any, goapp: str, staging_registry: str, tmp_path: Path
) -> None:
    repository, tag = goapp.rsplit(":", 1)
    remote = f"{staging_registry}/{repository}"
    docker_client.images.get(goapp).tag(remote, tag)
    try:
        for line in docker_client.images.push(remote, tag, stream=True, decode=True):
            assert "error" not in line, line
    finally:
        docker_client.images.remove(f"{remote}:{tag}")
    cache = LayerCache(tmp_path / "cache")
    with open_image(f"registry:{remote}:{tag}") as uncached:
        expected = json.loads(to_json(generate(uncached)))
        layers = len(uncached.config["rootfs"]["diff_ids"])
    with open_image(f"registry:{remote}:{tag}", layer_cache=cache) as first:
        assert json.loads(to_json(generate(first))) == expected
    assert (cache.hits, cache.misses) == (0, layers)
    with open_image(f"registry:{remote}:{tag}", layer_cache=cache) as second:
        assert json.loads(to_json(generate(second))) == expected
    assert (cache.hits, cache.misses) == (layers, layers)


def test_a_layer_that_does_not_match_the_configs_diff_id_is_refused_and_not_cached(
    staging_registry: str, tmp_path: Path
) -> None:
    """The registry checks a blob's compressed digest; only the diff_id ties it to the config."""
    layer = _tar({"etc/os-release": b"ID=alpine\n"})
    claimed = _tar({"etc/os-release": b"ID=debian\n"})  # what the config says the layer holds
    repository = f"dockgate-test/tampered-{uuid.uuid4().hex[:8]}"
    with RegistryClient(staging_registry) as client:
        compressed = gzip.compress(layer)
        layer_digest = client.put_blob(repository, compressed)
        config = json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(claimed).hexdigest()]},
            }
        ).encode()
        config_digest = client.put_blob(repository, config)
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config_digest,
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": layer_digest,
                    "size": len(compressed),
                }
            ],
        }
        client.put_manifest(
            repository, "v1", json.dumps(manifest).encode(), "application/vnd.oci.image.manifest.v1+json"
        )
    cache = LayerCache(tmp_path / "cache")
    with pytest.raises(LayerMismatch, match="diff_id"):
        open_image(f"registry:{staging_registry}/{repository}:v1", layer_cache=cache)
    assert cache.size_bytes() == 0


def _tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()
