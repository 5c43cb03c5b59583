"""The lean tar header reader agrees with tarfile (ustar, GNU and pax long names) and spots damage."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.image import ImageError
from workers.image.blobs import Blob
from workers.image.tarheaders import iter_headers

NAMES = st.lists(
    st.text(alphabet="abcdé_-./", min_size=1, max_size=150).filter(lambda n: n.strip("/.") != ""),
    min_size=1,
    max_size=6,
    unique=True,
)


def _tar(names: list[str], fmt: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for i, name in enumerate(names):
            info = tarfile.TarInfo(name)
            if i % 3 == 2:
                info.type, info.linkname = tarfile.SYMTYPE, "../" + "t" * 120
                tar.addfile(info)
            else:
                data = os.urandom(i * 700)
                info.size, info.uid, info.mode = len(data), 1000 + i, 0o640
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _blob(tmp_path: Path, data: bytes) -> Blob:
    path = tmp_path / "layer.tar"
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    return Blob(fd, 0, len(data))


@settings(max_examples=40, deadline=None)
@given(names=NAMES, fmt=st.sampled_from([tarfile.GNU_FORMAT, tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT]))
def test_headers_match_tarfile(tmp_path_factory: pytest.TempPathFactory, names: list[str], fmt: int) -> None:
    try:
        data = _tar(names, fmt)
    except ValueError:  # ustar cannot store this name: nothing to compare
        return
    blob = _blob(tmp_path_factory.mktemp("tar"), data)
    try:
        ours = [
            (h.name.rstrip("/"), h.size, h.uid, h.mode, h.linkname, h.offset_data)
            for h in iter_headers(blob, "t")
        ]
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            theirs = [
                (m.name.rstrip("/"), m.size, m.uid, m.mode, m.linkname, m.offset_data)
                for m in tar.getmembers()
            ]
        assert ours == theirs
    finally:
        os.close(blob.fd)


def test_damaged_headers_are_errors(tmp_path: Path) -> None:
    data = bytearray(_tar(["a", "b"], tarfile.PAX_FORMAT))
    data[10] ^= 0xFF
    blob = _blob(tmp_path, bytes(data))
    with pytest.raises(ImageError, match="checksum"):
        list(iter_headers(blob, "t"))
    os.close(blob.fd)
    truncated = _tar(["a", "big"], tarfile.GNU_FORMAT)[:1024]
    blob = _blob(tmp_path, truncated)
    with pytest.raises(ImageError, match="truncated"):
        list(iter_headers(blob, "t"))
    os.close(blob.fd)


@pytest.mark.parametrize(
    "data",
    [
        b'{"payloadType":"application/vnd.in-toto+json","payload":"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjEiLCJzY2hlbWEiOiJ4In0="}'
        * 8,  # a cosign .att layer served where a filesystem layer was expected
        os.urandom(2048),
    ],
)
def test_a_layer_that_is_not_a_tar_is_refused_with_an_image_error(tmp_path: Path, data: bytes) -> None:
    blob = _blob(tmp_path, data)
    try:
        with pytest.raises(ImageError, match="layer"):
            list(iter_headers(blob, "layer 0"))
    finally:
        os.close(blob.fd)
