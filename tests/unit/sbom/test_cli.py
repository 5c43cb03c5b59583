"""`dockgate sbom` on an archive: documents on stdout or -o, clear errors with exit 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from app.cli import main

LAYER = {
    "/etc/os-release": 'ID=debian\nVERSION_ID="12"\n',
    "/var/lib/dpkg/status": "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\n"
    "Version: 1:1.2.13.dfsg-1\nSource: zlib\n",
}
ZLIB = "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib"


def test_cyclonedx_to_file_and_spdx_to_stdout(
    archive_of: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = archive_of(LAYER)
    out = tmp_path / "sbom.cdx.json"
    assert main(["sbom", f"docker-archive:{archive}", "-o", str(out)]) == 0
    assert ZLIB in {c.get("purl") for c in json.loads(out.read_text())["components"]}
    capsys.readouterr()
    assert main(["sbom", f"docker-archive:{archive}", "--format", "spdx-json"]) == 0
    spdx = json.loads(capsys.readouterr().out)
    assert spdx["spdxVersion"] == "SPDX-2.3"
    assert ZLIB in {r["referenceLocator"] for p in spdx["packages"] for r in p.get("externalRefs", [])}


def test_errors_are_one_line_with_exit_2(
    archive_of: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sbom", f"docker-archive:{tmp_path / 'missing.tar'}"]) == 2
    assert "no such archive" in capsys.readouterr().err
    hostile = archive_of({"../../etc/evil": "x"})
    assert main(["sbom", f"docker-archive:{hostile}"]) == 2
    err = capsys.readouterr().err
    assert "climbs out of the image root" in err and len(err.strip().splitlines()) == 1
