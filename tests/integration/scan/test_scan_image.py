"""An image with deliberately old Python and npm packages: build, SBOM, scan, expected advisories.

Packages are downloaded on the host (`pip download`, `npm pack`) into ~/.cache/dockgate/scan-it
and copied into builds from the local bases with network_mode="none". The SBOMs come from our own
generator (`workers.sbom`, which marks OS-owned language packages) and, as a cross-check that the
scanner reads other producers' CycloneDX too, from syft; the DB is built from ../shared/vulndb.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import docker.errors
import pytest

from app.cli import main
from workers.sbom import OWNER_PROPERTY, generate_sbom
from workers.scan import gate, open_db, scan_bom
from workers.vulndb import import_sources

pytestmark = [pytest.mark.docker, pytest.mark.slow]

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
CACHE = Path(os.environ.get("DOCKGATE_CACHE", Path.home() / ".cache" / "dockgate")) / "scan-it"
PY_PINS = ["requests==2.25.1", "urllib3==1.26.4", "idna==2.10", "chardet==4.0.0", "certifi==2020.12.5",
           "Django==3.2", "asgiref==3.3.4", "sqlparse==0.4.1", "pytz==2021.1"]  # fmt: skip
NPM_PINS = ["lodash@4.17.15", "minimist@1.2.5", "node-fetch@2.6.0"]  # no dependencies: installable offline

PY_DOCKERFILE = """FROM dockgate-base/python:3.11-bookworm
COPY wheels /tmp/wheels
RUN python3 -m venv /opt/venv && /opt/venv/bin/pip install --no-index --find-links /tmp/wheels \\
    {pins} && rm -rf /tmp/wheels
"""
NODE_DOCKERFILE = """FROM dockgate-base/node:18-bookworm
COPY packs /tmp/packs
WORKDIR /srv/app
RUN echo '{"name":"scan-it","version":"1.0.0","private":true}' > package.json \\
    && npm install --offline --no-audit --no-fund --ignore-scripts /tmp/packs/*.tgz && rm -rf /tmp/packs
"""


def _download() -> Path:
    wheels, packs = CACHE / "wheels", CACHE / "packs"
    if not (wheels / ".complete").exists():
        shutil.rmtree(wheels, ignore_errors=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             "--platform", "manylinux2014_x86_64", "--python-version", "3.11", "--implementation", "cp",
             "-d", str(wheels), *PY_PINS],
            check=True,
        )  # fmt: skip
        (wheels / ".complete").touch()
    if not (packs / ".complete").exists():
        shutil.rmtree(packs, ignore_errors=True)
        packs.mkdir(parents=True)
        subprocess.run(["npm", "pack", "--silent", *NPM_PINS], cwd=packs, check=True, capture_output=True)
        (packs / ".complete").touch()
    return CACHE


def _build(docker_client: Any, tmp: Path, tag: str, dockerfile: str, payload: str) -> None:
    context = tmp / tag.replace("/", "_").replace(":", "_")
    shutil.copytree(CACHE / payload, context / payload, ignore=shutil.ignore_patterns(".complete"))
    (context / "Dockerfile").write_text(dockerfile)
    docker_client.images.build(path=str(context), tag=tag, network_mode="none", rm=True, forcerm=True)


def _syft_sbom(docker_client: Any, tag: str, tmp: Path) -> dict[str, Any]:
    """syft's CycloneDX of the image, from a `docker save` archive."""
    syft = shutil.which("syft") or str(Path(sys.executable).parent / "syft")
    archive = tmp / "image.tar"
    with archive.open("wb") as out:
        for chunk in docker_client.images.get(tag).save(named=True):
            out.write(chunk)
    env = dict(os.environ, SYFT_CHECK_FOR_APP_UPDATE="false")
    proc = subprocess.run(
        [syft, "-q", f"docker-archive:{archive}", "-o", "cyclonedx-json"],
        capture_output=True,
        check=True,
        env=env,
    )
    archive.unlink()
    doc: dict[str, Any] = json.loads(proc.stdout)
    return doc


@pytest.fixture(scope="module")
def scanned(docker_client: Any, base_images: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Any:
    if shutil.which("npm") is None:
        pytest.skip("npm is needed on the host to download the npm packages")
    _download()
    tmp = tmp_path_factory.mktemp("scan-it")
    db_path = tmp / "osv.sqlite"
    import_sources([SHARED / "vulndb"], db_path)
    db = open_db(db_path)
    run = uuid.uuid4().hex[:8]  # concurrent runs (teammates, CI) must not share tags
    tags = {"python": f"dockgate-test/scan-old-python:{run}", "node": f"dockgate-test/scan-old-node:{run}"}
    try:
        _build(docker_client, tmp, tags["python"], PY_DOCKERFILE.format(pins=" ".join(PY_PINS)), "wheels")
        _build(docker_client, tmp, tags["node"], NODE_DOCKERFILE, "packs")
        boms = {name: generate_sbom(tag, docker_client=docker_client) for name, tag in tags.items()}
        reports: dict[str, Any] = {name: scan_bom(bom, db) for name, bom in boms.items()}
        reports["python-syft"] = scan_bom(_syft_sbom(docker_client, tags["python"], tmp), db)
        out = tmp / "cli.json"  # `dockgate scan IMAGE` end to end: engine image -> SBOM -> scan -> gate
        argv = [
            "scan",
            tags["node"],
            "--db",
            str(db_path),
            "--format",
            "json",
            "-o",
            str(out),
            "--fail-on",
            "high",
        ]
        reports["cli"] = (main(argv), json.loads(out.read_text()))
    finally:
        db.close()
        for tag in tags.values():
            with contextlib.suppress(docker.errors.ImageNotFound):
                docker_client.images.remove(tag, force=True, noprune=False)
    return reports


def _pairs(report: Any) -> set[tuple[str, str]]:
    return {(f.package, f.id) for f in report.findings}


def test_python_image_advisories(scanned: Any) -> None:
    report = scanned["python"]
    pairs = _pairs(report)
    assert ("requests", "PYSEC-2023-74") in pairs  # merged with GHSA-j8r2-6x86-q33q
    assert not any(fid.startswith("GHSA-j8r2") for _, fid in pairs)
    assert ("urllib3", "PYSEC-2023-192") in pairs and ("idna", "PYSEC-2024-60") in pairs
    assert ("certifi", "PYSEC-2022-42986") in pairs and ("sqlparse", "PYSEC-2023-87") in pairs
    assert len([p for p in pairs if p[0] == "django"]) == 25  # every Django 3.2 record of the data set
    # Debian's own pip (python3-pip, /usr/lib/python3/dist-packages) is routed to distro data,
    # under the owner our SBOM names with the dockgate:package:owner property.
    owners = {r.purl: r.owner for r in report.routed}
    assert owners.get("pkg:pypi/pip@23.0.1", "").startswith("pkg:deb/debian/python3-pip@"), OWNER_PROPERTY
    # ...while the venv's copy of pip (upstream code, outside the distro) is matched as PyPI.
    assert ("pip", "PYSEC-2023-228") in pairs
    assert all(f.ecosystem == "PyPI" for f in report.findings)
    result = gate(report, fail_on="high")
    assert result.failed and any("PYSEC-2023-192" in r for r in result.reasons)


def test_syft_sbom_gives_the_same_python_findings(scanned: Any) -> None:
    ours, syft = scanned["python"], scanned["python-syft"]
    assert _pairs(ours) == _pairs(syft)
    assert {r.purl for r in syft.routed} >= {"pkg:pypi/pip@23.0.1"}  # by install path: no owner property


def test_node_image_advisories(scanned: Any) -> None:
    report = scanned["node"]
    assert _pairs(report) == {
        ("lodash", "GHSA-p6mc-m468-83gw"), ("lodash", "GHSA-35jh-r3h4-6jhm"),
        ("minimist", "GHSA-xvch-5gv4-984h"), ("node-fetch", "GHSA-r683-j2x4-v87g"),
    }  # fmt: skip
    # Debian's node modules (npm's own dependencies under /usr/share/nodejs) are not npm-matched.
    assert len(report.routed) > 10
    assert gate(report, fail_on="critical").reasons[0].startswith("GHSA-xvch-5gv4-984h critical")


def test_cli_scans_an_engine_image(scanned: Any) -> None:
    code, doc = scanned["cli"]
    assert code == 1  # high and critical npm advisories meet --fail-on high
    assert {f["id"] for f in doc["findings"]} == {f.id for f in scanned["node"].findings}
    assert doc["db"]["sources"][0]["records"] > 800
