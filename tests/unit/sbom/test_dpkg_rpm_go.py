"""Distroless status.d names with dots, legacy rpm databases reported as skips, Go binaries found by
content (no executable bit needed) while other ELF files cost only their headers."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import IO

import pytest

from workers.image import ImageFS
from workers.sbom import catalog_image, generate, to_json
from workers.sbom.gobuildinfo import MAGIC, NotGoBinary, read_buildinfo

OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'


def _stanza(name: str, version: str, source: str = "") -> str:
    extra = f"Source: {source}\n" if source else ""
    return f"Package: {name}\nVersion: {version}\nArchitecture: amd64\n{extra}Status: install ok installed\n"


def test_distroless_status_d_names_with_dots(image_of: Callable[..., ImageFS]) -> None:
    status_d = "/var/lib/dpkg/status.d"
    layer = {
        "/etc/os-release": OS_RELEASE,
        f"{status_d}/python3.11-minimal": _stanza("python3.11-minimal", "3.11.2-6+deb12u4", "python3.11"),
        f"{status_d}/python3.11-minimal.md5sums": "abc  usr/bin/python3.11\n",
        f"{status_d}/libpython3.11-stdlib": _stanza("libpython3.11-stdlib", "3.11.2-6+deb12u4", "python3.11"),
        f"{status_d}/libc6": _stanza("libc6", "2.36-9+deb12u9", "glibc"),
        f"{status_d}/libc6.md5sums": "def  lib/x86_64-linux-gnu/libc.so.6\n",
    }
    found = catalog_image(image_of(layer))
    names = sorted(p.name for p in found.packages)
    assert names == ["libc6", "libpython3.11-stdlib", "python3.11-minimal"]
    python = next(p for p in found.packages if p.name == "python3.11-minimal")
    assert python.owned_files == frozenset({"/usr/bin/python3.11"})
    assert python.purl == (
        "pkg:deb/debian/python3.11-minimal@3.11.2-6%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=python3.11"
    )
    assert found.skipped == []


@pytest.mark.parametrize(
    ("path", "what"),
    [("/var/lib/rpm/Packages", "Berkeley DB"), ("/usr/lib/sysimage/rpm/Packages.db", "NDB")],
)
def test_legacy_rpm_databases_are_reported_as_skipped(
    image_of: Callable[..., ImageFS], path: str, what: str
) -> None:
    layer = {"/etc/os-release": 'ID="centos"\nVERSION_ID="7"\n', path: b"\x00\x06\x15\x61" * 64}
    image = image_of(layer)
    found = catalog_image(image)
    assert found.packages == []
    assert [(s.cataloger, s.path) for s in found.skipped] == [("rpm", path)]
    reason = found.skipped[0].reason
    assert what in reason and "not in the SBOM" in reason and "--backend syft" in reason
    properties = {p.value for p in generate(image).properties if p.name == "dockgate:skipped"}
    assert any(path in value and what in value for value in properties)
    to_json(generate(image))  # still a valid document


def test_an_rpm_packages_file_outside_an_rpm_directory_is_not_a_database(
    image_of: Callable[..., ImageFS],
) -> None:
    found = catalog_image(image_of({"/srv/data/Packages": b"x" * 100, "/var/lib/rpm/Packages": b""}))
    assert found.skipped == []


def go_elf(modinfo: str, go_version: str = "go1.22.5", *, size: int = 80 << 10) -> bytes:
    """A minimal little-endian ELF64 with a `.go.buildinfo` section (Go >= 1.18 inline format)."""

    def varint_string(text: str) -> bytes:
        data, length, prefix = text.encode(), len(text.encode()), b""
        while True:
            byte, length = length & 0x7F, length >> 7
            prefix += bytes([byte | (0x80 if length else 0)])
            if not length:
                return prefix + data

    sentinel = bytes(16)
    info = MAGIC + bytes([8, 0x2]) + bytes(16)
    info += varint_string(go_version) + varint_string(sentinel.decode() + modinfo + sentinel.decode())
    names = b"\0.go.buildinfo\0.shstrtab\0"
    info_at, names_at = 0x100, 0x100 + len(info)
    shoff = (names_at + len(names) + 7) & ~7

    def section(name: int, offset: int, length: int, kind: int) -> bytes:
        return struct.pack("<IIQQQQIIQQ", name, kind, 0, 0, offset, length, 0, 0, 1, 0)

    sections = bytes(64) + section(1, info_at, len(info), 1) + section(15, names_at, len(names), 3)
    header = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0, 0, shoff, 0, 64, 56, 0, 64, 3, 2)
    body = header.ljust(info_at, b"\0") + info + names
    body = body.ljust(shoff, b"\0") + sections
    return body.ljust(size, b"\0")


MODINFO = "path\texample.com/hello\nmod\texample.com/hello\tv1.2.3\t\ndep\tgolang.org/x/text\tv0.14.0\th1:x\n"


def test_go_binaries_are_found_by_content_without_the_executable_bit(
    image_of: Callable[..., ImageFS],
) -> None:
    binary = go_elf(MODINFO)
    layer = {"/app/hello": binary, "/usr/bin/hello": binary}  # 0644 and 0755 (see conftest)
    image = image_of(layer)
    assert image.entry("/app/hello") is not None and not image.entry("/app/hello").mode & 0o111  # type: ignore[union-attr]
    found = catalog_image(image)
    purls = {(p.purl, p.locations[0]) for p in found.packages}
    for where in ("/app/hello", "/usr/bin/hello"):
        assert ("pkg:golang/example.com/hello@v1.2.3", where) in purls
        assert ("pkg:golang/golang.org/x/text@v0.14.0", where) in purls
        assert ("pkg:golang/stdlib@1.22.5", where) in purls


class _Counting:
    """A stream wrapper that counts the bytes read."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream, self.read_bytes = stream, 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.read_bytes += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.stream.seek(offset, whence)

    def __enter__(self) -> _Counting:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()


def test_non_go_files_cost_only_their_headers(
    image_of: Callable[..., ImageFS], monkeypatch: pytest.MonkeyPatch
) -> None:
    plain_elf = bytearray(go_elf(MODINFO, size=4 << 20))
    plain_elf[plain_elf.find(b".go.buildinfo") : plain_elf.find(b".go.buildinfo") + 13] = b".data_section"
    layer = {"/usr/lib/libfoo.so.1": bytes(plain_elf), "/srv/big.bin": b"A" * (4 << 20)}
    image = image_of(layer)
    with image.open("/usr/lib/libfoo.so.1") as stream, pytest.raises(NotGoBinary):
        read_buildinfo(stream)
    streams: list[_Counting] = []
    real_open = image.open

    def counting_open(path: str) -> _Counting:
        streams.append(_Counting(real_open(path)))
        return streams[-1]

    monkeypatch.setattr(image, "open", counting_open)
    found = catalog_image(image)
    assert [p for p in found.packages if p.found_by == "go-binary"] == []
    assert len(streams) == 2 and all(s.read_bytes <= 64 << 10 for s in streams)
