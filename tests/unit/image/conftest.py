"""Builders of small `docker save`-shaped archives, honest and hostile, made in memory per test."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# A layer member: (name, kind, payload) with kind "file" | "dir" | "symlink" | "hardlink"; the payload
# is the content of a file or the target of a link.
Member = tuple[str, str, bytes | str]


def layer_tar(members: list[Member]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            info.mode = 0o755 if kind == "dir" else 0o644
            if kind == "file":
                data = payload if isinstance(payload, bytes) else payload.encode()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE}[
                kind
            ]
            info.linkname = payload if isinstance(payload, str) else payload.decode()
            tar.addfile(info)
    return buf.getvalue()


def archive(
    path: Path,
    layers: list[bytes],
    *,
    history: list[dict[str, Any]] | None = None,
    layer_names: list[str] | None = None,
    extra: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
) -> Path:
    """A docker-archive tar holding `layers` (raw layer blobs, possibly gzip-compressed)."""
    diff_ids = []
    for blob in layers:
        raw = gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"User": "app", "Labels": {"org.opencontainers.image.version": "1.0"}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history or [{"created_by": f"step {i}"} for i in range(len(layers))],
    }
    raw_config = json.dumps(config).encode()
    config_name = hashlib.sha256(raw_config).hexdigest() + ".json"
    names = layer_names or [f"l{i}/layer.tar" for i in range(len(layers))]
    manifest = [{"Config": config_name, "RepoTags": ["test/image:1"], "Layers": names}]
    with tarfile.open(path, "w") as tar:
        files = [*zip(names, layers, strict=False), (config_name, raw_config)]
        files += [("manifest.json", json.dumps(manifest).encode()), *extra]
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def make_archive(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def make(layers: list[list[Member]] | list[bytes], **kwargs: Any) -> Path:
        blobs = [x if isinstance(x, bytes) else layer_tar(x) for x in layers]
        return archive(tmp_path / f"image{next(counter)}.tar", blobs, **kwargs)

    return make


@pytest.fixture
def tar_layer() -> Callable[[list[Member]], bytes]:
    """The raw (uncompressed) layer tar of some members."""
    return layer_tar
