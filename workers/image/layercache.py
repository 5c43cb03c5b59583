"""A content-addressed cache of uncompressed layer tars, shared by the workers of one machine.

Successive builds of a repository share most of their layers (the base image, the dependency
layers), so reading an image from the registry only has to fetch and inflate the layers the cache
does not hold. Entries are keyed by the layer's diff_id (sha256 of the uncompressed tar, named by
the image config) and admitted only after that hash is checked while inflating, so a cache file is
always exactly the bytes its name says. Writes go to a temporary file and are renamed into place
(atomic: concurrent workers never see half a layer); readers keep an open descriptor, so eviction
(least recently used by mtime) never pulls a layer from under a running scan.

Trust: the cache directory must be private to the worker's user (checked on open); anyone who can
write there can already change the worker itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from workers.image.blobs import Blob
from workers.image.errors import ImageError

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 20 << 30
_STALE_TEMP_SECONDS = 3600
_HEX = frozenset("0123456789abcdef")


class LayerMismatch(ImageError):
    """A layer's content does not hash to the diff_id its image config names."""


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int


class LayerCache:
    """Uncompressed layers by diff_id under `root` (created 0700), at most `max_bytes` in total."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._layers = root / "layers" / "sha256"
        self._tmp = root / "layers" / "tmp"
        self.hits = 0
        self.misses = 0
        for directory in (root, root / "layers", self._layers, self._tmp):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            _check_private(directory)

    def stats(self) -> CacheStats:
        return CacheStats(self.hits, self.misses)

    def open(self, diff_id: str) -> Blob | None:
        """The cached layer as a Blob on a fresh descriptor (caller closes `blob.fd`), or None."""
        path = self._path(diff_id)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            self.misses += 1
            return None
        try:
            size = os.fstat(fd).st_size
            with contextlib.suppress(OSError):  # recency for LRU; a read-only cache still works
                os.utime(path)
        except BaseException:
            os.close(fd)
            raise
        self.hits += 1
        return Blob(fd, 0, size)

    def admit(self, diff_id: str, fill: Callable[[IO[bytes], Callable[[bytes], None]], object]) -> Blob:
        """Write a layer with `fill(out, update)`, check its sha256 against `diff_id`, then publish it.

        `fill` writes the uncompressed tar to `out` and passes every written chunk to `update`
        (the hash). On a mismatch nothing is published and :class:`LayerMismatch` is raised.
        """
        target = self._path(diff_id)
        digest = hashlib.sha256()
        handle = tempfile.NamedTemporaryFile(dir=self._tmp, prefix="layer-", delete=False)  # noqa: SIM115
        temp = Path(handle.name)
        try:
            with handle:
                fill(handle, digest.update)
                handle.flush()
            actual = "sha256:" + digest.hexdigest()
            if actual != diff_id:
                raise LayerMismatch(
                    f"a layer's content hashes to {actual}, not to the diff_id {diff_id} its image config"
                    " names: the image is corrupt or was tampered with"
                )
            os.chmod(temp, 0o400)
            fd = os.open(temp, os.O_RDONLY | os.O_CLOEXEC)
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        size = os.fstat(fd).st_size
        self._evict(keep=target)
        return Blob(fd, 0, size)

    def size_bytes(self) -> int:
        return sum(entry.stat().st_size for entry in self._entries())

    def _path(self, diff_id: str) -> Path:
        algorithm, _, hexdigest = diff_id.partition(":")
        if algorithm != "sha256" or len(hexdigest) != 64 or not set(hexdigest) <= _HEX:
            raise ImageError(f"the image config names an invalid layer diff_id {diff_id!r}")
        return self._layers / hexdigest

    def _entries(self) -> list[os.DirEntry[str]]:
        with os.scandir(self._layers) as it:
            return [entry for entry in it if entry.is_file(follow_symlinks=False)]

    def _evict(self, keep: Path) -> None:
        """Drop least recently used layers until the cache fits; clear temp files of crashed writers."""
        now = time.time()
        with os.scandir(self._tmp) as it:
            for entry in it:
                with contextlib.suppress(OSError):
                    if now - entry.stat().st_mtime > _STALE_TEMP_SECONDS:
                        os.unlink(entry.path)
        entries = []
        for entry in self._entries():
            with contextlib.suppress(FileNotFoundError):  # another worker evicted it meanwhile
                info = entry.stat()
                entries.append((info.st_mtime, info.st_size, entry.path))
        total = sum(size for _, size, _ in entries)
        for _mtime, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            if path == str(keep):
                continue
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
                total -= size
                logger.info("layer cache: evicted %s (%d bytes)", os.path.basename(path)[:12], size)


def _check_private(directory: Path) -> None:
    info = directory.stat()
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ImageError(
            f"layer cache directory {directory} must be owned by this user and not group/world-writable"
            f" (chmod 700 {directory}, or set DOCKGATE_CACHE_DIR elsewhere)"
        )
