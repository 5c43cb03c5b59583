"""A lean reader of tar headers (ustar, GNU long names, pax) that never touches file data.

`tarfile` builds a TarInfo per member through several layers of calls; reading only what the
merged-filesystem index needs is 3-4x faster on layers with tens of thousands of files. Headers are
read through a window buffer, data is skipped by offset; checksums are verified.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from workers.image.blobs import Blob
from workers.image.errors import ImageError

BLOCK = 512
_WINDOW = 256 << 10
_KINDS = {b"0": "file", b"\0": "file", b"7": "file", b"1": "hardlink", b"2": "symlink", b"5": "dir"}


@dataclass(slots=True)
class Header:
    name: str
    kind: str  # file | dir | symlink | hardlink | other
    mode: int
    size: int
    uid: int
    gid: int
    linkname: str
    offset_data: int


def _number(field: bytes) -> int:
    if field and field[0] & 0x80:  # GNU base-256 for values that do not fit in octal
        value = int.from_bytes(field[1:], "big")
        return value - (1 << (8 * len(field) - 8)) if field[0] & 0x40 else value
    text = field.split(b"\0", 1)[0].strip()
    return int(text, 8) if text else 0


def _text(field: bytes) -> str:
    return field.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def _pax(data: bytes) -> dict[str, str]:
    records: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        space = data.find(b" ", pos)
        if space < 0:
            break
        length = int(data[pos:space])
        if length <= 0:
            break
        key, _, value = data[space + 1 : pos + length - 1].partition(b"=")
        records[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
        pos += length
    return records


class _Reader:
    def __init__(self, blob: Blob) -> None:
        self.blob = blob
        self.start = 0
        self.buffer = b""

    def read(self, offset: int, size: int) -> bytes:
        end = offset + size
        if offset < self.start or end > self.start + len(self.buffer):
            self.start = offset
            self.buffer = self.blob.pread(max(size, _WINDOW), offset)
        return self.buffer[offset - self.start : end - self.start]


def iter_headers(blob: Blob, what: str) -> Iterator[Header]:
    """Every member header of the tar in `blob`, with pax/GNU long names applied."""
    try:
        yield from _iter_headers(blob, what)
    except ValueError as exc:  # a number field that is not a number: not a tar at all
        raise ImageError(
            f"{what} is not a valid tar archive ({exc}): the layer is corrupt or is not a filesystem layer"
        ) from exc


def _iter_headers(blob: Blob, what: str) -> Iterator[Header]:
    reader = _Reader(blob)
    offset = 0
    pending: dict[str, str] = {}
    while offset + BLOCK <= blob.size:
        block = reader.read(offset, BLOCK)
        if len(block) < BLOCK:
            break
        if not any(block):
            return
        stored = _number(block[148:156])
        if stored != sum(block) - sum(block[148:156]) + 256:  # the checksum field counts as spaces
            raise ImageError(f"{what}: tar header checksum mismatch at byte {offset}; the archive is corrupt")
        size = _number(block[124:136])
        flag = block[156:157]
        data_at = offset + BLOCK
        offset = data_at + (size + BLOCK - 1) // BLOCK * BLOCK
        if offset > blob.size:
            raise ImageError(f"{what}: a tar member runs past the end of the layer; the archive is truncated")
        if flag in (b"x", b"L", b"K", b"g"):
            if size > 16 << 20:
                raise ImageError(f"{what}: a {size}-byte tar extension header; the archive is hostile")
            data = reader.read(data_at, size)
            if flag == b"x":
                pending.update(_pax(data))
            elif flag == b"L":
                pending["path"] = _text(data)
            elif flag == b"K":
                pending["linkpath"] = _text(data)
            continue
        name = _text(block[0:100])
        if block[257:262] == b"ustar" and block[345:346] != b"\0":
            name = f"{_text(block[345:500])}/{name}"
        header = Header(
            name=pending.get("path", name),
            kind=_KINDS.get(flag, "other"),
            mode=_number(block[100:108]),
            size=int(pending["size"]) if "size" in pending else size,
            uid=int(pending.get("uid") or _number(block[108:116])),
            gid=int(pending.get("gid") or _number(block[116:124])),
            linkname=pending.get("linkpath", _text(block[157:257])),
            offset_data=data_at,
        )
        if "size" in pending:
            offset = data_at + (header.size + BLOCK - 1) // BLOCK * BLOCK
        pending = {}
        yield header
    if offset < blob.size and blob.size - offset >= BLOCK:
        raise ImageError(f"{what}: tar ends in the middle of a header; the archive is truncated")
