"""Synthetic `docker save` archives for image-rule (DG2xx) tests without a docker build.

`image_archive(path, steps)` writes a docker-archive whose history is `steps`: each step is
(created_by, members) with members None for an empty (metadata) layer, else a list of
(name, payload, mode) files; directories are added as needed.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

File = tuple[str, bytes, int]  # path inside the image (no leading /), content, mode
Step = tuple[str, Sequence[File] | None]


def _layer(files: Sequence[File]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs: set[str] = set()
        for name, data, mode in files:
            parts = name.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                folder = "/".join(parts[:i])
                if folder not in dirs:
                    dirs.add(folder)
                    info = tarfile.TarInfo(folder)
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def image_archive(path: Path, steps: Sequence[Step], config: dict[str, Any] | None = None) -> Path:
    layers = [_layer(files) for _, files in steps if files is not None]
    diff_ids = ["sha256:" + hashlib.sha256(blob).hexdigest() for blob in layers]
    history = [
        {"created_by": created_by, **({"empty_layer": True} if files is None else {})}
        for created_by, files in steps
    ]
    doc = {
        "architecture": "amd64",
        "os": "linux",
        "config": config
        if config is not None
        else {"User": "1000", "Healthcheck": {"Test": ["CMD", "true"]}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }
    raw_config = json.dumps(doc).encode()
    config_name = hashlib.sha256(raw_config).hexdigest() + ".json"
    names = [f"l{i}/layer.tar" for i in range(len(layers))]
    manifest = [{"Config": config_name, "RepoTags": ["test/web:1"], "Layers": names}]
    with tarfile.open(path, "w") as tar:
        for name, data in [*zip(names, layers, strict=True), (config_name, raw_config)] + [
            ("manifest.json", json.dumps(manifest).encode())
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def make_image(tmp_path: Path) -> Callable[..., str]:
    """`make_image(steps, config=None)` -> a `docker-archive:` source for open_image."""
    counter = iter(range(1000))

    def make(steps: Sequence[Step], config: dict[str, Any] | None = None) -> str:
        path = image_archive(tmp_path / f"image{next(counter)}.tar", steps, config)
        return f"docker-archive:{path}"

    return make
