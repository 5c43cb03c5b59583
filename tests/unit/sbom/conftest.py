"""Small synthetic images (docker-archive tars made in memory) and their SBOMs, for cataloger tests."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from workers.image import ImageFS, open_image

# path -> file content (bytes/str) or ("symlink", target)
Layer = dict[str, Any]


def _layer_tar(files: Layer) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name.lstrip("/"))
            if isinstance(content, tuple):
                info.type, info.linkname = tarfile.SYMTYPE, content[1]
                tar.addfile(info)
                continue
            data = content.encode() if isinstance(content, str) else content
            info.size, info.mode = len(data), 0o755 if name.startswith("/usr/bin/") else 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def write_archive(path: Path, layers: list[Layer], labels: dict[str, str] | None = None) -> Path:
    blobs = [_layer_tar(layer) for layer in layers]
    config = {
        "created": "2026-01-02T03:04:05Z",
        "config": {"Labels": labels or {}},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(b).hexdigest() for b in blobs]},
        "history": [{"created_by": f"layer {i}"} for i in range(len(blobs))],
    }
    raw = json.dumps(config).encode()
    names = [f"l{i}/layer.tar" for i in range(len(blobs))]
    manifest = json.dumps([{"Config": "config.json", "RepoTags": ["unit/image:1"], "Layers": names}]).encode()
    with tarfile.open(path, "w") as tar:
        for name, data in [
            *zip(names, blobs, strict=True),
            ("config.json", raw),
            ("manifest.json", manifest),
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def image_of(tmp_path: Path) -> Iterator[Callable[..., ImageFS]]:
    opened: list[ImageFS] = []

    def make(*layers: Layer, labels: dict[str, str] | None = None) -> ImageFS:
        path = write_archive(tmp_path / f"img{len(opened)}.tar", list(layers), labels)
        image = open_image(f"docker-archive:{path}")
        opened.append(image)
        return image

    yield make
    for image in opened:
        image.close()


DEBIAN_OS_RELEASE = (
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
)


@pytest.fixture
def archive_of(tmp_path: Path) -> Callable[..., Path]:
    """Write a docker-archive tar of some layers and return its path."""
    counter = iter(range(100))

    def make(*layers: Layer) -> Path:
        return write_archive(tmp_path / f"archive{next(counter)}.tar", list(layers))

    return make
