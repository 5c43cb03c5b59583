"""`dockgate run` end to end on the examples: real dockerd, registry, OSV data and signatures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.pipeline.conftest import EXAMPLES, run_cli

pytestmark = [pytest.mark.docker, pytest.mark.registry, pytest.mark.slow]


@pytest.fixture(scope="module")
def good_run(
    run_env: dict[str, str], staging_registry: str, base_images: Any, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, Path]:
    out = tmp_path_factory.mktemp("run-good")
    result = run_cli(
        "run", str(EXAMPLES / "python-service"), "--push", staging_registry, "--out", str(out), env=run_env
    )
    return result, out


def test_good_example_passes_and_writes_every_artifact(good_run: tuple[Any, Path]) -> None:
    result, out = good_run
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-3000:]
    report = json.loads((out / "report.json").read_text())
    (image,) = report["images"]
    assert image["conclusion"] == "success", image["reasons"]
    assert image["digest"].startswith("sha256:") and image["reference"].endswith(image["digest"])
    folder = out / "python-service"
    sbom = json.loads((folder / "sbom.cdx.json").read_text())
    names = {c["name"] for c in sbom["components"]}
    assert "hello-service" in names  # our own wheel, installed in the venv
    assert "python3.11" in names or "python3" in names  # Debian's interpreter package
    assert json.loads((folder / "lint.sarif").read_text())["version"] == "2.1.0"
    assert "findings" in json.loads((folder / "vulnerabilities.json").read_text())
    bundles = sorted(p.name for p in (folder / "attestations").glob("*.sigstore.json"))
    assert len(bundles) == 4, bundles
    assert "build" in (out / "report.md").read_text().lower()
    assert "[python-service] build" in result.stderr  # progress while it runs


def test_dockgate_verify_accepts_what_run_pushed(
    good_run: tuple[Any, Path], run_env: dict[str, str], config_home: Path
) -> None:
    _, out = good_run
    ref = json.loads((out / "report.json").read_text())["images"][0]["reference"]
    key = config_home / "dockgate" / "dockgate-local.pub"
    types = [a for t in ("cyclonedx", "vuln", "slsaprovenance", "lint") for a in ("--type", t)]
    verified = run_cli("verify", ref, "--key", str(key), *types, "--format", "json", env=run_env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["ok"] is True


def test_bad_example_fails_with_the_guides_reasons(
    run_env: dict[str, str], base_images: Any, tmp_path: Path
) -> None:
    result = run_cli("run", str(EXAMPLES / "bad-service"), "--out", str(tmp_path), env=run_env)
    assert result.returncode == 1, result.stderr[-3000:]
    (image,) = json.loads((tmp_path / "report.json").read_text())["images"]
    rules = {f["rule"] for f in image["lint"]}
    # root at runtime, a secret in ENV and in the image, COPY . . first, no HEALTHCHECK, shell-form CMD,
    # and the .env file copied into the image by the missing .dockerignore.
    assert {"DG105", "DG107", "DG110", "DG106", "DG109", "DG117", "DG201", "DG203", "DG204"} <= rules, rules
    assert image["conclusion"] == "failure"
    assert "wJalrXUtnFEMI" not in (tmp_path / "report.json").read_text()  # the secret is never echoed


def test_missing_path_is_a_usage_error(run_env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli("run", str(tmp_path / "nope"), env=run_env)
    assert result.returncode == 2
    assert result.stderr.startswith("dockgate: error:") and len(result.stderr.strip().splitlines()) == 1


# What the two Docker guides say about each of their systems, as `dockgate run` must report it.
GUIDES = {
    "eval-sandbox": ("success", set()),  # multi-stage venv, non-root, health check
    "api-gateway": ("success", set()),
    "dashboard": ("success", set()),  # Node build stage, nginx as a non-root worker
    "node-service": ("success", set()),  # deps -> builder -> runner
    "bad-node": ("failure", {"DG101", "DG105", "DG106", "DG107"}),  # the guide's single-stage anti-example
}


@pytest.mark.parametrize("example", sorted(GUIDES))
def test_the_guides_systems_get_the_guides_verdicts(
    example: str, run_env: dict[str, str], staging_registry: str, base_images: Any, tmp_path: Path
) -> None:
    conclusion, rules = GUIDES[example]
    out = tmp_path / "out"
    result = run_cli(
        "run", str(EXAMPLES / example), "--push", staging_registry, "--out", str(out), env=run_env
    )
    assert result.returncode == (0 if conclusion == "success" else 1), result.stderr[-3000:]
    (image,) = json.loads((out / "report.json").read_text())["images"]
    assert image["conclusion"] == conclusion, image["reasons"]
    found = {f["rule"] for f in image["lint"]}
    assert rules <= found, sorted(found)
    if conclusion == "success":
        assert not [f for f in image["lint"] if f["level"] == "error"], image["lint"]
