"""The merged filesystem of an image: layers applied in order, whiteouts and opaque dirs honoured.

Only tar headers are indexed; file content stays in the layer tars and is read on demand with
`pread`, so reading an image costs one pass over its headers and no extraction to disk.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from typing import IO, Any

from workers.image.blobs import Blob
from workers.image.errors import FileTooLarge, HostileArchive, NotAFile, SymlinkEscape
from workers.image.model import FileEntry, LayerInfo, Limits
from workers.image.tarscan import Added, Whiteout, scan_layer

logger = logging.getLogger(__name__)

MAX_SYMLINK_HOPS = 40
_Node = tuple[FileEntry, Blob | None]


class ImageFS:
    """An image: its config, its layers and the filesystem they add up to."""

    def __init__(
        self,
        *,
        name: str,
        image_id: str,
        repo_digest: str | None,
        config: dict[str, Any],
        layers: list[LayerInfo],
        blobs: dict[int, Blob],
        limits: Limits | None = None,
        on_close: Callable[[], None] | None = None,
        source: str = "",
    ) -> None:
        self.name = name
        self.source = source or name  # what open_image was given (lets other tools reopen it)
        self.image_id = image_id
        self.repo_digest = repo_digest
        self.config = config
        self.layers = layers
        self._on_close = on_close
        self._nodes: dict[str, _Node] = {}
        # Entries a later layer deleted or replaced: gone from the merged tree, still in a layer tar.
        self._shadowed: list[_Node] = []
        limit = (limits or Limits()).max_entries
        seen = 0
        for index in sorted(blobs):
            seen = self._apply(index, blobs[index], seen, limit)

    # -- building ----------------------------------------------------------------------------------
    def _apply(self, index: int, blob: Blob, seen: int, limit: int) -> int:
        layer = self.layers[index]
        what = f"layer {index} ({layer.diff_id[:19]})"
        hide_self: set[str] = set()
        hide_below: set[str] = set()
        added: dict[str, _Node] = {}
        for change in scan_layer(blob, what):
            seen += 1
            if seen > limit:
                raise HostileArchive(f"image has more than {limit} tar entries: refusing it")
            if isinstance(change, Whiteout):
                (hide_below if change.opaque else hide_self).add(change.path)
                if not change.opaque:
                    hide_below.add(change.path)
                continue
            added[change.path] = self._node(change, index, layer.diff_id, added)
            below = self._nodes.get(change.path)
            if below is not None and below[0].type == "dir" and change.type != "dir":
                hide_below.add(change.path)
        if hide_self or hide_below:
            self._hide(hide_self, hide_below)
        for path in added.keys() & self._nodes.keys():
            old = self._nodes[path]
            if not (old[0].type == "dir" and added[path][0].type == "dir"):  # not a dir listed again
                self._shadowed.append(old)
        self._nodes.update(added)
        return seen

    def _node(self, change: Added, index: int, diff_id: str, added: dict[str, _Node]) -> _Node:
        data, size = change.data, change.size
        if change.type == "hardlink" and change.linkname is not None:
            target = added.get(change.linkname) or self._nodes.get(change.linkname)
            data, size = (target[1], target[0].size) if target else (None, 0)
        entry = FileEntry(
            change.path, change.type, change.mode, size, change.uid, change.gid,
            change.linkname, index, diff_id,
        )  # fmt: skip
        return entry, data

    def _hide(self, hide_self: set[str], hide_below: set[str]) -> None:
        """Drop lower-layer paths that a whiteout, opaque dir or replacing non-directory hides."""
        doomed = []
        for path in self._nodes:
            if path in hide_self:
                doomed.append(path)
                continue
            parent = path.rpartition("/")[0]
            while parent:
                if parent in hide_below:
                    doomed.append(path)
                    break
                parent = parent.rpartition("/")[0]
            else:
                if "/" in hide_below and path != "/":
                    doomed.append(path)
        for path in doomed:
            self._shadowed.append(self._nodes.pop(path))

    # -- reading -----------------------------------------------------------------------------------
    def files(self) -> Iterator[FileEntry]:
        """Every path of the merged filesystem, sorted by path."""
        for path in sorted(self._nodes):
            yield self._nodes[path][0]

    def __len__(self) -> int:
        return len(self._nodes)

    def shadowed(self) -> Iterator[FileEntry]:
        """Entries deleted or replaced by a later layer: not in the merged filesystem, but still in
        the image (anyone who pulls it can extract them from their layer), by layer then path."""
        for entry, _blob in sorted(self._shadowed, key=lambda node: (node[0].layer_index, node[0].path)):
            yield entry

    def read_shadowed(self, entry: FileEntry, limit: int = 64 << 20) -> bytes:
        """The content `entry` (from :meth:`shadowed`) has in its own layer."""
        for node in self._shadowed:
            if node[0] is entry:
                if node[1] is None:
                    raise NotAFile(f"{entry.path} in layer {entry.layer_index} has no readable content")
                if entry.size > limit:
                    raise FileTooLarge(f"{entry.path} is {entry.size} bytes, over the {limit}-byte limit")
                return node[1].pread(entry.size, 0)
        raise NotAFile(f"{entry.path} is not a shadowed entry of {self.name}")

    def entry(self, path: str, *, follow: bool = True) -> FileEntry | None:
        """The entry at `path` (symlinks followed unless `follow=False`), or None."""
        try:
            node = self._lookup(path, follow)
        except SymlinkEscape:
            return None
        return node[0] if node else None

    def exists(self, path: str) -> bool:
        """True when `path` resolves (through symlinks inside the image) to an entry."""
        return self.entry(path) is not None

    def realpath(self, path: str) -> str:
        """`path` with every symlink resolved inside the image (raises on escapes and loops)."""
        return self._resolve(path, follow_last=True)

    def read(self, path: str, limit: int = 64 << 20) -> bytes:
        """The content of a regular file; symlinks are followed inside the image only."""
        entry, blob = self._content(path)
        if entry.size > limit:
            raise FileTooLarge(f"{path} is {entry.size} bytes, over the {limit}-byte read limit")
        return blob.pread(entry.size, 0)

    def open(self, path: str) -> IO[bytes]:
        """A seekable reader over a regular file, for large files read in parts (ELF, zip)."""
        return self._content(path)[1].open()

    def close(self) -> None:
        """Release the archive or scratch files behind the layers."""
        if self._on_close is not None:
            self._on_close()
            self._on_close = None

    def __enter__(self) -> ImageFS:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _content(self, path: str) -> tuple[FileEntry, Blob]:
        node = self._lookup(path, True)
        if node is None or node[1] is None:
            kind = node[0].type if node else "missing"
            raise NotAFile(f"{path} has no readable content in {self.name} ({kind})")
        return node[0], node[1]

    def _lookup(self, path: str, follow: bool) -> _Node | None:
        return self._nodes.get(self._resolve(path, follow_last=follow))

    def _resolve(self, path: str, *, follow_last: bool) -> str:
        pending = [p for p in reversed(path.split("/")) if p not in ("", ".")]
        current = ""
        hops = 0
        while pending:
            part = pending.pop()
            if part == "..":
                current = current.rpartition("/")[0]
                continue
            candidate = f"{current}/{part}"
            node = self._nodes.get(candidate)
            if node is None or node[0].type != "symlink" or (not pending and not follow_last):
                current = candidate
                continue
            hops += 1
            target = node[0].linkname or ""
            if hops > MAX_SYMLINK_HOPS:
                raise SymlinkEscape(f"{path}: more than {MAX_SYMLINK_HOPS} symlinks (a loop) in {self.name}")
            if target.startswith("/"):
                current = ""
            elif _climbs_out(current, target):
                raise SymlinkEscape(f"{candidate} -> {target} points outside the image root; refusing it")
            pending.extend(p for p in reversed(target.split("/")) if p not in ("", "."))
        return current or "/"


def _climbs_out(directory: str, target: str) -> bool:
    depth = directory.count("/")
    for part in target.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


def close_fds(fds: list[int]) -> Callable[[], None]:
    """A close callback for the descriptors an ImageFS reads from."""

    def close() -> None:
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                logger.debug("descriptor %d already closed", fd)

    return close
