"""A pure-Python reader of the build info Go embeds in binaries (what `go version -m` prints).

Go ≥ 1.18 writes the toolchain version and module info inline after the `\\xff Go buildinf:`
header in the `.go.buildinfo` section; older toolchains write two pointers to Go strings, which
are followed here through the ELF program headers. Only ELF is read (Linux images).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import IO

MAGIC = b"\xff Go buildinf:"
ELF_MAGIC = b"\x7fELF"
_HEADER_SIZE = 32
_READ = 64 << 10


class NotGoBinary(ValueError):
    """The file is not an ELF Go binary with build info."""


@dataclass(frozen=True)
class Module:
    path: str
    version: str
    sum: str = ""


@dataclass(frozen=True)
class BuildInfo:
    go_version: str
    path: str
    main: Module | None
    deps: tuple[Module, ...]
    settings: tuple[tuple[str, str], ...] = field(default=())


@dataclass(frozen=True)
class _Elf:
    little: bool
    is64: bool
    sections: dict[str, tuple[int, int, int]]  # name -> (addr, offset, size)
    loads: tuple[tuple[int, int, int], ...]  # (vaddr, offset, filesz)


def read_buildinfo(stream: IO[bytes]) -> BuildInfo:
    """Build info of the Go binary in `stream` (seekable), or NotGoBinary."""
    try:
        return _read(stream)
    except (struct.error, IndexError, OverflowError) as exc:  # a malformed ELF from an untrusted image
        raise NotGoBinary(f"malformed ELF: {exc}") from exc


def _read(stream: IO[bytes]) -> BuildInfo:
    elf = _parse_elf(stream)
    section = elf.sections.get(".go.buildinfo")
    if section is not None:
        stream.seek(section[1])
        blob = stream.read(min(section[2], _READ))
    elif elf.sections:  # the Go linker always names the section: any other ELF (.so, C binary) stops here
        raise NotGoBinary("no .go.buildinfo section")
    else:  # stripped section headers (sstrip, UPX): scan the load segments
        blob = _scan_segments(stream, elf)
    start = blob.find(MAGIC)
    if start < 0 or len(blob) < start + _HEADER_SIZE:
        raise NotGoBinary("no Go build info")
    blob = blob[start:]
    ptr_size, flags = blob[14], blob[15]
    if flags & 0x2:
        version, rest = _varint_string(blob[_HEADER_SIZE:])
        modinfo, _ = _varint_string(rest)
    else:
        version = _pointer_string(stream, elf, blob, 16, ptr_size)
        modinfo = _pointer_string(stream, elf, blob, 16 + ptr_size, ptr_size)
    return parse_modinfo(version, _strip_sentinels(modinfo))


def _parse_elf(stream: IO[bytes]) -> _Elf:
    stream.seek(0)
    ident = stream.read(64)
    if len(ident) < 52 or not ident.startswith(ELF_MAGIC):
        raise NotGoBinary("not an ELF file")
    is64, little = ident[4] == 2, ident[5] == 1
    end = "<" if little else ">"
    if is64:
        phoff, shoff = struct.unpack_from(end + "QQ", ident, 32)
        phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from(end + "HHHHH", ident, 54)
    else:
        phoff, shoff = struct.unpack_from(end + "II", ident, 28)
        phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from(end + "HHHHH", ident, 42)
    loads = []
    stream.seek(phoff)
    table = stream.read(phentsize * min(phnum, 256))
    for i in range(len(table) // max(phentsize, 1)):
        if is64:
            p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from(
                end + "IIQQQQ", table, i * phentsize
            )
        else:
            p_type, p_offset, p_vaddr, _, p_filesz = struct.unpack_from(end + "IIIII", table, i * phentsize)
        if p_type == 1:
            loads.append((p_vaddr, p_offset, p_filesz))
    return _Elf(little, is64, _sections(stream, end, is64, shoff, shentsize, shnum, shstrndx), tuple(loads))


def _sections(
    stream: IO[bytes], end: str, is64: bool, shoff: int, entsize: int, count: int, strndx: int
) -> dict[str, tuple[int, int, int]]:
    if not shoff or not count or count > 4096 or strndx >= count:
        return {}
    stream.seek(shoff)
    table = stream.read(entsize * count)
    fmt = end + ("IIQQQQ" if is64 else "IIIIII")
    rows = [struct.unpack_from(fmt, table, i * entsize) for i in range(len(table) // entsize)]
    if strndx >= len(rows):
        return {}
    stream.seek(rows[strndx][4])
    names = stream.read(min(rows[strndx][5], 1 << 20))
    result = {}
    for name_off, _, _, addr, offset, size in rows:
        name = names[name_off : names.find(b"\0", name_off)].decode("latin-1")
        result[name] = (addr, offset, size)
    return result


def _scan_segments(stream: IO[bytes], elf: _Elf) -> bytes:
    for _, offset, size in elf.loads:
        stream.seek(offset)
        data = stream.read(min(size, 32 << 20))
        at = data.find(MAGIC)
        if at >= 0:
            return data[at : at + _READ]
    return b""


def _varint_string(data: bytes) -> tuple[str, bytes]:
    length = shift = pos = 0
    while pos < len(data):
        byte = data[pos]
        pos += 1
        length |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    if pos + length > len(data):
        raise NotGoBinary("truncated build info")
    return data[pos : pos + length].decode("utf-8", "replace"), data[pos + length :]


def _read_at(stream: IO[bytes], elf: _Elf, vaddr: int, size: int) -> bytes:
    for start, offset, filesz in elf.loads:
        if start <= vaddr < start + filesz:
            stream.seek(offset + vaddr - start)
            return stream.read(size)
    raise NotGoBinary("build info points outside the binary")


def _pointer_string(stream: IO[bytes], elf: _Elf, blob: bytes, at: int, ptr_size: int) -> str:
    end = "<" if elf.little else ">"
    word = "Q" if ptr_size == 8 else "I"
    (header_addr,) = struct.unpack_from(end + word, blob, at)
    header = _read_at(stream, elf, header_addr, 2 * ptr_size)
    data_addr, length = struct.unpack_from(end + word + word, header, 0)
    if length > 16 << 20:
        raise NotGoBinary("implausible build info length")
    return _read_at(stream, elf, data_addr, length).decode("utf-8", "replace") if length else ""


def _strip_sentinels(modinfo: str) -> str:
    if len(modinfo) >= 33 and modinfo[-17] == "\n":
        return modinfo[16:-16]
    return modinfo


def parse_modinfo(go_version: str, modinfo: str) -> BuildInfo:
    """The text form `go version -m` prints: path, mod, dep, `=>` replacements, build settings."""
    path = ""
    main: Module | None = None
    deps: list[Module] = []
    settings: list[tuple[str, str]] = []
    for line in modinfo.splitlines():
        kind, _, rest = line.partition("\t")
        fields = rest.split("\t")
        if kind == "path":
            path = rest
        elif kind == "mod" and fields:
            main = Module(
                fields[0], fields[1] if len(fields) > 1 else "", fields[2] if len(fields) > 2 else ""
            )
        elif kind == "dep" and len(fields) >= 2:
            deps.append(Module(fields[0], fields[1], fields[2] if len(fields) > 2 else ""))
        elif kind == "=>" and len(fields) >= 2 and deps:
            deps[-1] = Module(fields[0], fields[1], fields[2] if len(fields) > 2 else "")
        elif kind == "build" and "=" in rest:
            key, _, value = rest.partition("=")
            settings.append((key, value.strip('"')))
    return BuildInfo(go_version, path, main, tuple(deps), tuple(settings))
