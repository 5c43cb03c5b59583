"""The layer cache admits only layers that hash to their diff_id, publishes atomically, evicts LRU."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from workers.image import ImageError, LayerCache, LayerMismatch, Limits
from workers.image.blobs import inflate


def _diff_id(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _writer(data: bytes) -> Callable[[IO[bytes], Callable[[bytes], None]], None]:
    """What the registry reader passes: inflate the gzip stream, hashing every chunk written."""

    def fill(out: IO[bytes], update: Callable[[bytes], None]) -> None:
        inflate(io.BytesIO(gzip.compress(data)), out, Limits(), "test layer", update)

    return fill


def _read(fd: int, size: int) -> bytes:
    return os.pread(fd, size, 0)


def test_admit_then_hit(tmp_path: Path) -> None:
    cache = LayerCache(tmp_path / "c")
    data = os.urandom(300_000)
    diff_id = _diff_id(data)
    assert cache.open(diff_id) is None
    blob = cache.admit(diff_id, _writer(data))
    assert _read(blob.fd, blob.size) == data
    os.close(blob.fd)
    again = cache.open(diff_id)
    assert again is not None and again.size == len(data) and _read(again.fd, again.size) == data
    os.close(again.fd)
    assert (cache.hits, cache.misses) == (1, 1)
    published = tmp_path / "c" / "layers" / "sha256" / diff_id.removeprefix("sha256:")
    assert published.stat().st_mode & 0o777 == 0o400
    assert not any((tmp_path / "c" / "layers" / "tmp").iterdir())


def test_content_that_does_not_match_its_diff_id_is_never_published(tmp_path: Path) -> None:
    cache = LayerCache(tmp_path / "c")
    claimed = _diff_id(b"what the config says")
    with pytest.raises(LayerMismatch, match="tampered"):
        cache.admit(claimed, _writer(b"what the registry served"))
    assert cache.open(claimed) is None
    assert not any((tmp_path / "c" / "layers" / "tmp").iterdir())
    assert cache.size_bytes() == 0


def test_a_failing_writer_leaves_no_temp_file(tmp_path: Path) -> None:
    cache = LayerCache(tmp_path / "c")

    def broken(out: IO[bytes], update: Callable[[bytes], None]) -> None:
        out.write(b"partial")
        raise ImageError("connection reset")

    with pytest.raises(ImageError, match="connection reset"):
        cache.admit(_diff_id(b"x"), broken)
    assert not any((tmp_path / "c" / "layers" / "tmp").iterdir())


def test_least_recently_used_layers_are_evicted_and_open_readers_keep_their_bytes(tmp_path: Path) -> None:
    cache = LayerCache(tmp_path / "c", max_bytes=250_000)
    layers = [os.urandom(100_000) for _ in range(3)]
    ids = [_diff_id(d) for d in layers]
    first = cache.admit(ids[0], _writer(layers[0]))
    second = cache.admit(ids[1], _writer(layers[1]))
    os.close(second.fd)
    old = time.time() - 100
    for n, diff_id in enumerate(ids[:2]):  # layer 1 used more recently than layer 0
        os.utime(tmp_path / "c" / "layers" / "sha256" / diff_id[7:], (old + n, old + n))
    cache.admit(ids[2], _writer(layers[2]))  # 300 kB > 250 kB: the oldest (layer 0) goes
    assert cache.open(ids[0]) is None
    assert _read(first.fd, first.size) == layers[0]  # a running scan still reads its layer
    os.close(first.fd)
    for diff_id in ids[1:]:
        blob = cache.open(diff_id)
        assert blob is not None
        os.close(blob.fd)
    assert cache.size_bytes() == 200_000


def test_a_hit_refreshes_recency(tmp_path: Path) -> None:
    cache = LayerCache(tmp_path / "c", max_bytes=250_000)
    layers = [os.urandom(100_000) for _ in range(3)]
    ids = [_diff_id(d) for d in layers]
    for diff_id, data in zip(ids[:2], layers[:2], strict=True):
        os.close(cache.admit(diff_id, _writer(data)).fd)
        os.utime(tmp_path / "c" / "layers" / "sha256" / diff_id[7:], (1, 1))
    hit = cache.open(ids[0])  # layer 0 is now the most recent of the two
    assert hit is not None
    os.close(hit.fd)
    os.close(cache.admit(ids[2], _writer(layers[2])).fd)
    assert cache.open(ids[1]) is None
    survivor = cache.open(ids[0])
    assert survivor is not None
    os.close(survivor.fd)


def test_shared_or_writable_cache_directories_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "c"
    root.mkdir(mode=0o777)
    root.chmod(0o777)
    with pytest.raises(ImageError, match="chmod 700"):
        LayerCache(root)


@pytest.mark.parametrize("bad", ["sha256:../../etc/passwd", "md5:abcd", "sha256:" + "A" * 64, ""])
def test_malformed_diff_ids_are_refused(tmp_path: Path, bad: str) -> None:
    cache = LayerCache(tmp_path / "c")
    with pytest.raises(ImageError, match="invalid layer diff_id"):
        cache.open(bad)
