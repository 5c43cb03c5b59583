"""`dockgate lint` end to end in-process: formats, exit codes, folder mode, SARIF shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main

BAD = "FROM python\nCMD python app.py\n"
OK = 'FROM python:3.11-slim\nUSER app\nHEALTHCHECK CMD ["true"]\nCMD ["app"]\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(BAD)
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "Dockerfile").write_text(OK)
    (tmp_path / "web" / ".dockerignore").write_text(".git\n.env\n")
    (tmp_path / ".dockerignore").write_text(".git\n.env\n")
    return tmp_path


def test_json_output_and_exit_code(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(repo / "Dockerfile"), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    rules = {f["rule"] for f in doc["findings"]}
    assert {"DG101", "DG105", "DG109"} <= rules
    assert set(doc["findings"][0]) >= {"rule", "level", "path", "line", "stage", "message"}


def test_clean_file_exits_zero(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(repo / "web" / "Dockerfile")]) == 0
    assert "DG102" in capsys.readouterr().out  # a warning, not an error


def test_folder_mode_uses_repo_config(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".dockgate.yml").write_text("lint:\n  overrides: {DG101: warning, DG105: off}\n")
    assert main(["lint", str(repo), "--format", "json"]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert {Path(f["path"]).parent.name for f in findings} == {repo.name, "web"}
    assert not any(f["rule"] == "DG105" for f in findings)


def test_sarif_shape(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(repo / "Dockerfile"), "--format", "sarif"]) == 1
    log = json.loads(capsys.readouterr().out)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note") and result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "Dockerfile"  # relative to the repository root
        assert location["region"]["startLine"] >= 1
        assert result["partialFingerprints"]


def test_usage_errors_exit_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["lint", str(tmp_path), "--format", "xml"])
    assert info.value.code == 2
