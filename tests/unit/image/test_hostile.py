"""Hostile archives fail with a clear DockgateError and never write a file."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attestations.errors import DockgateError
from workers.image import (
    DecompressionBomb,
    FileTooLarge,
    HostileArchive,
    ImageError,
    ImageNotFound,
    Limits,
    NotAFile,
    SymlinkEscape,
    open_image,
)
from workers.image.tarscan import normalise


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/../../x", "/etc/passwd"])
def test_traversal_and_absolute_member_names_are_rejected(
    make_archive: Callable[..., Path], name: str
) -> None:
    path = make_archive([[(name, "file", b"pwned")]])
    with pytest.raises(HostileArchive, match="absolute path|climbs out"):
        open_image(f"docker-archive:{path}")


def test_manifest_pointing_outside_the_archive_is_rejected(make_archive: Callable[..., Path]) -> None:
    path = make_archive([[("a", "file", b"a")]], layer_names=["../../../etc/passwd"])
    with pytest.raises(HostileArchive):
        open_image(f"docker-archive:{path}")


def test_symlink_escape_and_loop_raise_on_read(make_archive: Callable[..., Path]) -> None:
    layer = [
        ("app", "dir", ""),
        ("app/escape", "symlink", "../../../etc/shadow"),
        ("app/loop1", "symlink", "loop2"),
        ("app/loop2", "symlink", "loop1"),
    ]
    with open_image(f"docker-archive:{make_archive([layer])}") as image:
        with pytest.raises(SymlinkEscape, match="outside the image root"):
            image.read("/app/escape")
        with pytest.raises(SymlinkEscape, match="loop"):
            image.read("/app/loop1")
        assert not image.exists("/app/escape")


def test_gzip_bomb_is_stopped(
    make_archive: Callable[..., Path], tar_layer: Callable[..., bytes], tmp_path: Path
) -> None:
    bomb = gzip.compress(tar_layer([("zeros", "file", bytes(8 << 20))]), compresslevel=9)
    path = make_archive([bomb])
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(DecompressionBomb, match="refusing"):
        open_image(f"docker-archive:{path}", limits=Limits(max_layer_bytes=1 << 20, scratch_dir=str(scratch)))
    assert os.listdir(scratch) == []
    with open_image(f"docker-archive:{path}", limits=Limits(scratch_dir=str(scratch))) as image:
        assert image.entry("/zeros") is not None
        with pytest.raises(FileTooLarge):
            image.read("/zeros", limit=1 << 20)
        assert len(image.read("/zeros")) == 8 << 20


def _zeros_layer(size: int) -> bytes:
    """A gzip-compressed layer holding one file of `size` zero bytes (about 1,000:1), built streaming."""

    class Zeros(io.RawIOBase):
        def __init__(self) -> None:
            self.left = size

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            count = min(len(buffer), self.left)
            buffer[:count] = bytes(count)
            self.left -= count
            return count

    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as stream:
        with tarfile.open(fileobj=stream, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            info = tarfile.TarInfo("zeros")
            info.size = size
            tar.addfile(info, io.BufferedReader(Zeros(), 1 << 20))
    return out.getvalue()


def test_expansion_ratio_limit_applies_past_64_mib(make_archive: Callable[..., Path], tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    layer = _zeros_layer(72 << 20)
    assert (72 << 20) / len(layer) > 500  # the layer really is over the default 500:1
    bomb = make_archive([layer])
    with pytest.raises(DecompressionBomb, match="expands more than 500:1"):
        open_image(f"docker-archive:{bomb}", limits=Limits(scratch_dir=str(scratch)))
    assert os.listdir(scratch) == []  # the partial spool file is gone
    # the same layer passes when the ratio allowed is higher than zlib can reach (about 1032:1) ...
    with open_image(
        f"docker-archive:{bomb}", limits=Limits(max_ratio=2000, scratch_dir=str(scratch))
    ) as image:
        entry = image.entry("/zeros")
        assert entry is not None and entry.size == 72 << 20
    # ... and the ratio is not checked below 64 MiB, where small, very compressible layers are common
    small = make_archive([_zeros_layer(60 << 20)])
    with open_image(f"docker-archive:{small}", limits=Limits(max_ratio=2, scratch_dir=str(scratch))) as image:
        assert image.entry("/zeros") is not None


def test_too_many_entries_and_bad_inputs(make_archive: Callable[..., Path], tmp_path: Path) -> None:
    path = make_archive([[(f"f{i}", "file", b"") for i in range(50)]])
    with pytest.raises(HostileArchive, match="more than 10"):
        open_image(f"docker-archive:{path}", limits=Limits(max_entries=10))
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(path.read_bytes()[:1500])
    with pytest.raises(ImageError):
        open_image(f"docker-archive:{truncated}")
    with pytest.raises(ImageNotFound):
        open_image(f"docker-archive:{tmp_path / 'missing.tar'}")
    with open_image(f"docker-archive:{path}") as image, pytest.raises(NotAFile):
        image.read("/")


def test_every_error_is_a_dockgate_error() -> None:
    for cls in (DecompressionBomb, FileTooLarge, HostileArchive, ImageError, NotAFile, SymlinkEscape):
        assert issubclass(cls, DockgateError)


@given(st.lists(st.sampled_from(["a", "b", ".", "..", "", "c.d"]), max_size=8))
def test_normalise_never_leaves_the_root(parts: list[str]) -> None:
    name = "/".join(parts)
    try:
        result = normalise(name, what="t")
    except HostileArchive:
        return
    assert result.startswith("/") and ".." not in result.split("/") and "//" not in result
