"""Random access to uncompressed layer tars that sit inside bigger files, plus bounded decompression.

Layers are never extracted: an archive's `layer.tar` is read in place (offset + size inside the
archive), and a compressed layer is inflated once into an unnamed scratch file. Both end up as a
`Blob`, a window of a file descriptor read with `os.pread` (no shared file position, thread-safe).
"""

from __future__ import annotations

import io
import os
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from workers.image.errors import DecompressionBomb, HostileArchive, ImageError
from workers.image.model import Limits

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Blob:
    """`size` bytes of the file `fd` starting at `offset`."""

    fd: int
    offset: int
    size: int

    def pread(self, length: int, at: int) -> bytes:
        """Up to `length` bytes from position `at` of the window."""
        length = max(0, min(length, self.size - at))
        parts: list[bytes] = []
        while length > 0:
            data = os.pread(self.fd, length, self.offset + at)
            if not data:
                raise ImageError("image data ends early: the archive is truncated; save it again")
            parts.append(data)
            at += len(data)
            length -= len(data)
        return b"".join(parts)

    def window(self, at: int, size: int) -> Blob:
        """A sub-window; refuses ranges outside this one (a lying tar header)."""
        if at < 0 or size < 0 or at + size > self.size:
            raise HostileArchive("a tar entry points outside its layer: the archive is corrupt or hostile")
        return Blob(self.fd, self.offset + at, size)

    def open(self) -> IO[bytes]:
        """A buffered, seekable reader over the window."""
        return io.BufferedReader(BlobReader(self), buffer_size=1 << 16)


class BlobReader(io.RawIOBase):
    """A seekable raw stream over a Blob (what tarfile and zipfile need)."""

    def __init__(self, blob: Blob) -> None:
        self._blob = blob
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._blob.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._blob.pread(len(buffer), self._pos) if self._pos < self._blob.size else b""
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


def inflate_to_scratch(source: IO[bytes], limits: Limits, what: str) -> Blob:
    """Decompress a gzip (or pass through an uncompressed) layer into an unnamed scratch file."""
    out = tempfile.TemporaryFile(dir=limits.scratch_dir)  # noqa: SIM115 - owned by the returned fd
    fd = os.dup(out.fileno())
    try:
        size = inflate(source, out, limits, what)
        out.flush()
    except BaseException:
        os.close(fd)
        raise
    finally:
        out.close()
    return Blob(fd, 0, size)


def inflate(
    source: IO[bytes],
    out: IO[bytes],
    limits: Limits,
    what: str,
    update: Callable[[bytes], None] | None = None,
) -> int:
    """Write the uncompressed layer to `out` (bomb limits apply); `update` sees every chunk written."""
    head = source.read(4)
    sink = out.write if update is None else _tee(out, update)
    if head.startswith(GZIP_MAGIC):
        return _gunzip(head, source, sink, limits, what)
    if head.startswith(ZSTD_MAGIC):
        raise ImageError(f"{what} is zstd-compressed, which this reader does not support yet")
    return _copy(head, source, sink, limits, what)


def _tee(out: IO[bytes], update: Callable[[bytes], None]) -> Callable[[bytes], object]:
    def write(data: bytes) -> None:
        update(data)
        out.write(data)

    return write


def _gunzip(
    head: bytes, source: IO[bytes], write: Callable[[bytes], object], limits: Limits, what: str
) -> int:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    consumed = written = 0
    chunk = head
    while chunk:
        consumed += len(chunk)
        data = inflater.decompress(chunk, _CHUNK)
        while True:
            written += len(data)
            _check(written, consumed, limits, what)
            write(data)
            if not inflater.unconsumed_tail:
                break
            data = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
        if inflater.eof:
            break
        chunk = source.read(_CHUNK)
    if not inflater.eof:
        raise ImageError(f"{what} is a truncated gzip stream; fetch or save the image again")
    while source.read(_CHUNK):  # drain, so a verifying reader checks the digest
        pass
    return written


def _copy(head: bytes, source: IO[bytes], write: Callable[[bytes], object], limits: Limits, what: str) -> int:
    written = 0
    chunk = head
    while chunk:
        written += len(chunk)
        if written > limits.max_layer_bytes:
            raise DecompressionBomb(f"{what} is larger than {limits.max_layer_bytes} bytes: refusing it")
        write(chunk)
        chunk = source.read(_CHUNK)
    return written


def _check(written: int, consumed: int, limits: Limits, what: str) -> None:
    if written > limits.max_layer_bytes:
        raise DecompressionBomb(
            f"{what} expands beyond {limits.max_layer_bytes} bytes: refusing it (raise Limits.max_layer_bytes"
            " if the image is genuine)"
        )
    if written > 64 << 20 and written > limits.max_ratio * consumed:
        raise DecompressionBomb(
            f"{what} expands more than {limits.max_ratio}:1 (a decompression bomb): refusing it"
        )
