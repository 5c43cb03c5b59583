"""Parsers of untrusted image content fail only with their own errors, whatever the bytes."""

from __future__ import annotations

import io
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from workers.sbom.apk import parse_installed
from workers.sbom.dpkg import parse_stanzas
from workers.sbom.gobuildinfo import ELF_MAGIC, MAGIC, NotGoBinary, parse_modinfo, read_buildinfo
from workers.sbom.java import bundle_licenses, parse_manifest
from workers.sbom.npmlock import npm_entries, pnpm_entries, yarn_entries
from workers.sbom.osrelease import parse_os_release
from workers.sbom.rpm import BadHeader, parse_header

ELF_HEADER = ELF_MAGIC + bytes([2, 1, 1]) + bytes(57)  # 64-bit little-endian, zero tables


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_go_reader_on_arbitrary_bytes(data: bytes) -> None:
    for blob in (data, ELF_HEADER + data, ELF_HEADER + data + MAGIC + data):
        try:
            read_buildinfo(io.BytesIO(blob))
        except NotGoBinary:
            pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64), st.integers(0, 255), st.binary(max_size=64))
def test_go_reader_on_mangled_buildinfo(prefix: bytes, flags: int, tail: bytes) -> None:
    blob = ELF_HEADER + prefix + MAGIC + bytes([8, flags]) + bytes(16) + tail
    try:
        read_buildinfo(io.BytesIO(blob))
    except NotGoBinary:
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_rpm_header_on_arbitrary_bytes(data: bytes) -> None:
    for blob in (data, struct.pack(">ii", 3, len(data)) + data):
        try:
            parse_header(blob)
        except BadHeader:
            pass


@given(st.text(max_size=2000))
def test_text_parsers_never_raise(text: str) -> None:
    list(parse_stanzas(text))
    list(parse_installed(text))
    parse_os_release(text)
    parse_modinfo("go1.22", text)
    list(yarn_entries(text))
    list(pnpm_entries(text))
    bundle_licenses(text)
    parse_manifest(text)


@given(
    st.recursive(
        st.none() | st.text(max_size=8) | st.integers(),
        lambda c: st.dictionaries(st.text(max_size=8), c, max_size=4),
        max_leaves=30,
    )
)
def test_npm_lock_parser_never_raises(doc: object) -> None:
    for lock in (doc, {"dependencies": doc}, {"packages": doc}):
        if isinstance(lock, dict):
            list(npm_entries("/app", lock))
