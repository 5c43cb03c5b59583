"""A blob reader that hashes while streaming and fails at EOF if the content is not what was asked for."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import IO

from attestations.oci.errors import DigestMismatch


class VerifyingReader(io.RawIOBase):
    """Raw stream over response chunks; raises DigestMismatch on the read that reaches EOF."""

    def __init__(self, chunks: Iterator[bytes], digest: str, close_source: object = None) -> None:
        algorithm, _, self._expected = digest.partition(":")
        self._hash = hashlib.new(algorithm)
        self._digest = digest
        self._chunks = chunks
        self._pending = b""
        self._done = False
        self._source = close_source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending and not self._done:
            try:
                self._pending = next(self._chunks)
                self._hash.update(self._pending)
            except StopIteration:
                self._done = True
                if self._hash.hexdigest() != self._expected:
                    raise DigestMismatch(f"blob {self._digest} content does not match its digest") from None
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        closer = getattr(self._source, "close", None)
        if callable(closer):
            closer()
        super().close()


class SizedStream:
    """A request body of known length: requests sends Content-Length and streams `read()` chunks.

    It cannot be rewound, so a failed upload surfaces as RegistryUnavailable (a job-level retry).
    """

    def __init__(self, stream: IO[bytes], size: int) -> None:
        self._stream = stream
        self._size = size

    def __len__(self) -> int:
        return self._size

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)
