"""`dockgate sbom --backend syft` goes through `SyftGenerator.generate()` (layer properties, validation),
with a stand-in `syft` on PATH; a bad DOCKGATE_SBOM_BACKEND is a usage error."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from app.cli import main
from workers.sbom import LAYER_PROPERTY

LAYER_ID = "sha256:" + "ab" * 32
SYFT_DOCUMENT = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
    "version": 1,
    "metadata": {"component": {"bom-ref": "image-ref", "type": "container", "name": "unit/image"}},
    "components": [
        {
            "bom-ref": "pkg:deb/debian/zlib1g@1.2.13?package-id=1",
            "type": "library",
            "author": "Mark Brown <broonie@debian.org>",
            "name": "zlib1g",
            "version": "1.2.13",
            "purl": "pkg:deb/debian/zlib1g@1.2.13",
            "properties": [{"name": "syft:location:0:layerID", "value": LAYER_ID}],
        }
    ],
}


@pytest.fixture
def fake_syft(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `syft` that records its argv and prints a CycloneDX document like syft 1.x does."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    argv_log = tmp_path / "syft-argv.json"
    script = bindir / "syft"
    script.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"open({str(argv_log)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
        f"print(json.dumps({SYFT_DOCUMENT!r}))\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")
    return argv_log


def test_syft_backend_output_is_post_processed(
    archive_of: Callable[..., Path], fake_syft: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = archive_of({"/etc/os-release": "ID=debian\n"})
    assert main(["sbom", f"docker-archive:{archive}", "--backend", "syft"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert json.loads(fake_syft.read_text()) == ["-q", f"docker-archive:{archive}", "-o", "cyclonedx-json"]
    (component,) = document["components"]
    props = {p["name"]: p["value"] for p in component["properties"]}
    assert props[LAYER_PROPERTY] == LAYER_ID
    assert "author" not in component and component["authors"] == [{"name": "Mark Brown <broonie@debian.org>"}]
    root = document["metadata"]["component"]["bom-ref"]
    assert {"ref": root, "dependsOn": [component["bom-ref"]]} in document["dependencies"]
    assert main(["sbom", f"docker-archive:{archive}", "--backend", "syft", "--format", "spdx-json"]) == 0
    spdx = json.loads(capsys.readouterr().out)
    assert spdx["spdxVersion"] == "SPDX-2.3"
    refs = {r["referenceLocator"] for p in spdx["packages"] for r in p.get("externalRefs", [])}
    assert "pkg:deb/debian/zlib1g@1.2.13" in refs


def test_backend_from_the_environment(
    archive_of: Callable[..., Path],
    fake_syft: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    archive = archive_of({"/etc/os-release": "ID=debian\n"})
    monkeypatch.setenv("DOCKGATE_SBOM_BACKEND", "syft")
    assert main(["sbom", f"docker-archive:{archive}"]) == 0
    assert fake_syft.exists()
    capsys.readouterr()
    monkeypatch.setenv("DOCKGATE_SBOM_BACKEND", "grype")
    assert main(["sbom", f"docker-archive:{archive}"]) == 2
    err = capsys.readouterr().err
    assert "unknown SBOM backend 'grype'" in err and len(err.strip().splitlines()) == 1
