"""Our SARIF validates against the OASIS SARIF 2.1.0 schema (vendored, see data/README.md) and
has what GitHub code scanning needs: relative file URIs, start lines >= 1, no made-up file URIs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from workers.image import open_image
from workers.lint import Finding, check_image, lint_dockerfile, to_sarif

jsonschema = pytest.importorskip("jsonschema")
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
KEY = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"


def validate(log: dict[str, Any]) -> None:
    """Schema-valid (formats included) and GitHub-shaped."""
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    assert log["version"] == "2.1.0" and log["$schema"].startswith("https://")
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        assert driver["name"] == "dockgate" and driver["rules"]
        ids = [rule["id"] for rule in driver["rules"]]
        for result in run["results"]:
            assert result["ruleId"] in ids and ids[result["ruleIndex"]] == result["ruleId"]
            assert result["message"]["text"].strip()
            (location,) = result["locations"]
            physical = location.get("physicalLocation")
            if physical is None:  # only an image finding made without its Dockerfile
                (logical,) = location["logicalLocations"]
                assert logical["fullyQualifiedName"].startswith("image:")
                continue
            uri = physical["artifactLocation"]["uri"]
            assert not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", uri) and not uri.startswith("/"), uri
            assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
            if "region" in physical:
                assert physical["region"]["startLine"] >= 1


def test_dockerfile_findings_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "web dir").mkdir()
    (tmp_path / "web dir" / "Dockerfile").write_text("FROM python\nRUN sudo apt-get update\nCMD x\n")
    (tmp_path / "Dockerfile.bad").write_text("FROM a:1\nFOO bar\n")
    assert main(["lint", str(tmp_path), "--format", "sarif"]) == 1
    log = json.loads(capsys.readouterr().out)
    validate(log)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]
    }
    assert uris == {"web%20dir/Dockerfile", "Dockerfile.bad"}


def test_a_finding_without_a_line_has_no_made_up_region(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM a:1\n")
    findings = lint_dockerfile(dockerfile, target="missing")  # DG124 for the file, no line
    assert [(f.rule, f.line) for f in findings] == [("DG124", None)]
    log = to_sarif(findings, root=tmp_path)
    validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "Dockerfile", "uriBaseId": "%SRCROOT%"}
    }


def _image(make_image: Callable[..., str]) -> str:
    return make_image(
        [
            ("/bin/sh -c #(nop) ADD file:0123abcd in / ", [("bin/sh", b"#!busybox\n", 0o755)]),
            ("COPY id_rsa /root/.ssh/id_rsa # buildkit", [("root/.ssh/id_rsa", KEY, 0o600)]),
        ],
        config={"User": "root"},
    )


def test_image_findings_without_a_dockerfile(tmp_path: Path, make_image: Callable[..., str]) -> None:
    with open_image(_image(make_image)) as fs:
        findings: list[Finding] = check_image(fs, None)
    assert {f.rule for f in findings} >= {"DG201", "DG202", "DG204"}
    assert all(f.path.startswith("image:") for f in findings)
    log = to_sarif(findings, root=tmp_path)
    validate(log)
    for result in log["runs"][0]["results"]:
        (location,) = result["locations"]
        assert "physicalLocation" not in location  # never an `image:NAME` artifact URI
        assert location["logicalLocations"][0]["name"] == "test/web:1"


def test_image_findings_with_the_dockerfile(
    tmp_path: Path, make_image: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox:1.35\nCOPY id_rsa /root/.ssh/id_rsa\n")
    assert (
        main(["lint", str(tmp_path / "Dockerfile"), "--format", "sarif", "--image", _image(make_image)]) == 1
    )
    log = json.loads(capsys.readouterr().out)
    validate(log)
    results = {r["ruleId"]: r["locations"][0]["physicalLocation"] for r in log["runs"][0]["results"]}
    assert results["DG204"] == {
        "artifactLocation": {"uri": "Dockerfile", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 2},
    }
    assert results["DG201"]["artifactLocation"]["uri"] == "Dockerfile"


def test_files_outside_the_root_get_absolute_file_uris(tmp_path: Path) -> None:
    finding = Finding("DG102", "warning", str(tmp_path / "x" / "Dockerfile"), 1, None, "m", "f")
    log = to_sarif([finding], root=tmp_path / "elsewhere")
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": (tmp_path / "x" / "Dockerfile").as_uri()}
