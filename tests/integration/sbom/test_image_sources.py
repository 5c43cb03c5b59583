"""The three image sources (engine, docker-archive, registry) read the same image identically."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path
from typing import Any

import pytest

from workers.image import ImageFS, ImageNotFound, open_image

BASE = "dockgate-base/busybox:1.35"


def _summary(image: ImageFS) -> tuple[dict[str, tuple[str, int]], str]:
    files = {e.path: (e.type, e.size) for e in image.files()}
    return files, hashlib.sha256(image.read("/bin/busybox")).hexdigest()


@pytest.mark.docker
@pytest.mark.registry
def test_engine_archive_and_registry_agree(docker_client: Any, staging_registry: str, tmp_path: Path) -> None:
    archive = tmp_path / "busybox.tar"
    with archive.open("wb") as out:
        for chunk in docker_client.images.get(BASE).save(named=True):
            out.write(chunk)
    with open_image(BASE, docker_client=docker_client) as engine:
        engine_view = _summary(engine)
        assert engine.repo_digest and engine.repo_digest.startswith(
            f"{staging_registry}/dockgate-base/busybox@"
        )
        diff_ids = [layer.diff_id for layer in engine.layers if not layer.empty_layer]
    with open_image(f"docker-archive:{archive}") as from_archive:
        assert _summary(from_archive) == engine_view
    with open_image(f"registry:{staging_registry}/dockgate-base/busybox:1.35") as remote:
        assert _summary(remote) == engine_view
        assert [layer.diff_id for layer in remote.layers if not layer.empty_layer] == diff_ids
        assert all(layer.digest for layer in remote.layers if not layer.empty_layer)
    files, busybox_sha = engine_view
    assert files["/bin/busybox"][0] == "file" and files["/bin/busybox"][1] > 500_000
    assert files["/bin/sh"][0] in ("symlink", "hardlink")
    assert busybox_sha == _sha256_via_engine(docker_client, "/bin/busybox")


def _sha256_via_engine(client: Any, path: str) -> str:
    """The engine's own view of a file (`docker cp` from a created, never started container)."""
    container = client.containers.create(BASE, network_mode="none")
    try:
        stream, _ = container.get_archive(path)
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.extractfile(tar.getmembers()[0])
            assert member is not None
            return hashlib.sha256(member.read()).hexdigest()
    finally:
        container.remove()


@pytest.mark.docker
def test_unknown_engine_image_is_a_clear_error(docker_client: Any) -> None:
    with pytest.raises(ImageNotFound, match="not in the Docker engine"):
        open_image("dockgate-test/does-not-exist:nope", docker_client=docker_client)
