"""Reads the headers of one layer tar (never its file data) and turns them into filesystem changes.

Each member becomes an `Added` entry, a whiteout (`.wh.NAME` deletes NAME of lower layers) or an
opaque marker (`.wh..wh..opq`: the directory hides everything lower layers put in it). Member
names are normalised; names that are absolute or climb out of the root are hostile.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from workers.image.blobs import Blob
from workers.image.errors import HostileArchive
from workers.image.tarheaders import Header, iter_headers

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"


@dataclass(slots=True)
class Added:
    """A member that creates or replaces a path; `data` locates regular-file content."""

    path: str
    type: str
    mode: int
    size: int
    uid: int
    gid: int
    linkname: str | None
    data: Blob | None


@dataclass(slots=True)
class Whiteout:
    path: str
    opaque: bool  # True: hide the children of `path`, keep `path` itself


def normalise(name: str, *, what: str) -> str:
    """`./usr//lib/../bin` -> `/usr/bin`; absolute names and escapes above the root are hostile."""
    if name.startswith("/"):
        raise HostileArchive(f"{what}: member {name!r} has an absolute path; the archive is hostile")
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise HostileArchive(f"{what}: member {name!r} climbs out of the image root (path traversal)")
            parts.pop()
        else:
            parts.append(part)
    return "/" + "/".join(parts)


def scan_layer(blob: Blob, what: str) -> Iterator[Added | Whiteout]:
    """The changes one layer makes, in tar order."""
    for header in iter_headers(blob, what):
        yield _change(header, blob, what)


def _change(info: Header, blob: Blob, what: str) -> Added | Whiteout:
    path = normalise(info.name, what=what)
    parent, _, base = path.rpartition("/")
    if base.startswith(WHITEOUT):
        if base == OPAQUE:
            return Whiteout(parent or "/", opaque=True)
        target = base[len(WHITEOUT) :]
        if target in ("", ".", ".."):
            raise HostileArchive(f"{what}: whiteout {info.name!r} names no file")
        return Whiteout(f"{parent}/{target}", opaque=False)
    kind = info.kind
    linkname: str | None = None
    data = None
    if kind == "file":
        data = blob.window(info.offset_data, info.size)
    elif kind == "symlink":
        linkname = info.linkname
    elif kind == "hardlink":
        linkname = normalise(info.linkname, what=what)
    return Added(path, kind, info.mode, info.size, info.uid, info.gid, linkname, data)
