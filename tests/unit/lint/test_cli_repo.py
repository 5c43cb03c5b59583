"""`dockgate lint` applies the repository's `.dockgate.yml` the same way for a folder, a single
Dockerfile inside it, and `--image` (target, build-args, size budget, line mapping)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from workers.lint.jobs import find_repo_root, image_repository, job_for_image, plan_folder

HC = 'HEALTHCHECK CMD ["true"]\nCMD ["app"]\n'
TWO_STAGES = f"FROM python:3.11-slim AS runtime\nUSER app\n{HC}FROM runtime AS debug\nUSER root\n"
KEY = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"


def lint_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, Any]]]:
    code = main(["lint", *argv, "--format", "json"])
    out = capsys.readouterr().out
    return code, (json.loads(out)["findings"] if out.strip() else [])


def rules(findings: list[dict[str, Any]]) -> set[str]:
    return {f["rule"] for f in findings}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "web").mkdir()
    (root / "web" / "Dockerfile").write_text(TWO_STAGES)
    for folder in (root, root / "web"):
        (folder / ".dockerignore").write_text(".git\n.env\n")
    return root


def test_single_file_uses_the_repo_lint_config(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "Dockerfile").write_text("FROM python\nRUN echo\n")
    assert rules(lint_json(capsys, str(repo / "Dockerfile"))[1]) >= {"DG101", "DG105"}
    (repo / ".dockgate.yaml").write_text("lint:\n  ignore: [DG105]\n  overrides: {DG101: warning}\n")
    code, findings = lint_json(capsys, str(repo / "Dockerfile"))
    assert code == 0 and "DG105" not in rules(findings)
    assert {f["level"] for f in findings if f["rule"] == "DG101"} == {"warning"}


def test_config_search_stops_at_the_checkout_top(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".dockgate.yml").write_text("lint:\n  ignore: [DG105]\n")
    inner = tmp_path / "vendored"
    (inner / ".git").mkdir(parents=True)
    (inner / "sub").mkdir()
    (inner / "sub" / "Dockerfile").write_text("FROM python:3.11-slim\n")
    assert find_repo_root(inner / "sub") is None
    assert "DG105" in rules(lint_json(capsys, str(inner / "sub" / "Dockerfile"))[1])
    assert find_repo_root(tmp_path / "elsewhere" / "deep") == tmp_path  # no .git on the way: found


def test_single_file_uses_the_spec_target_and_build_args(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Without config the last stage (debug, USER root) ships.
    assert "DG105" in rules(lint_json(capsys, str(repo / "web" / "Dockerfile"))[1])
    (repo / ".dockgate.yml").write_text(
        "images:\n  - {name: web, context: web, dockerfile: web/Dockerfile, target: runtime}\n"
    )
    code, findings = lint_json(capsys, str(repo / "web" / "Dockerfile"))
    assert "DG105" not in rules(findings), findings
    assert {f["stage"] for f in findings} <= {"runtime", "debug"}
    # --target still overrides the configured one
    assert "DG105" in rules(lint_json(capsys, str(repo / "web" / "Dockerfile"), "--target", "debug")[1])
    # build_args of the spec reach ARG substitution
    (repo / "web" / "Dockerfile").write_text(f"FROM python:3.11-slim\nARG RUN_AS=app\nUSER $RUN_AS\n{HC}")
    assert "DG105" not in rules(lint_json(capsys, str(repo / "web" / "Dockerfile"))[1])
    (repo / ".dockgate.yml").write_text(
        "images:\n  - {name: web, context: web, dockerfile: web/Dockerfile, build_args: {RUN_AS: root}}\n"
    )
    found = lint_json(capsys, str(repo / "web" / "Dockerfile"))[1]
    assert [f["line"] for f in found if f["rule"] == "DG105"] == [3]


def test_folder_mode_honours_target(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "Dockerfile.tools").write_text(f"FROM python:3.11-slim\nUSER app\n{HC}")
    assert "DG105" in rules(lint_json(capsys, str(repo))[1])
    code, findings = lint_json(capsys, str(repo), "--target", "runtime")
    assert "DG105" not in rules(findings) and not any(f["rule"] == "DG124" for f in findings)
    assert {Path(f["path"]).name for f in findings} == {"Dockerfile", "Dockerfile.tools"}
    assert main(["lint", str(repo), "--target", "nope"]) == 2
    assert "no Dockerfile" in capsys.readouterr().err


def _key_image(make_image: Callable[..., str], *, big: bool = False) -> str:
    """BuildKit-style history of `runtime` (USER, HEALTHCHECK, CMD) then COPY of a key and USER root."""
    blob = [("srv/blob", b"\0" * (1536 * 1024), 0o644)] if big else []
    return make_image(
        [
            ("/bin/sh -c #(nop) ADD file:0123abcd in / ", [("bin/sh", b"#!busybox\n", 0o755)]),
            ("USER app", None),
            ('HEALTHCHECK &{["CMD" "true"]}', None),
            ('CMD ["app"]', None),
            ("COPY id_rsa /root/.ssh/id_rsa # buildkit", [("root/.ssh/id_rsa", KEY, 0o600), *blob]),
            ("USER root", None),
        ],
        config={"User": "root", "Healthcheck": {"Test": ["CMD", "true"]}},
    )


def test_image_on_a_folder_needs_the_right_dockerfile(
    repo: Path, make_image: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "web" / "Dockerfile").write_text(
        TWO_STAGES.replace("USER root", "COPY id_rsa /root/.ssh/id_rsa\nUSER root")
    )
    (repo / "Dockerfile.tools").write_text(f"FROM python:3.11-slim\nUSER app\n{HC}")
    image = _key_image(make_image)
    assert main(["lint", str(repo), "--image", image]) == 2
    assert "--dockerfile" in capsys.readouterr().err
    code, findings = lint_json(capsys, str(repo), "--image", image, "--dockerfile", "web/Dockerfile")
    (dg204,) = [f for f in findings if f["rule"] == "DG204"]
    assert dg204["path"].endswith("web/Dockerfile") and dg204["line"] == 6 and dg204["stage"] == "debug"
    assert not any(f["path"].startswith("image:") for f in findings)
    assert main(["lint", str(repo), "--image", image, "--dockerfile", "nope/Dockerfile"]) == 2


def test_image_uses_the_spec_budget_and_target(
    repo: Path, make_image: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "web" / "Dockerfile").write_text(
        f"FROM python:3.11-slim AS runtime\nUSER app\n{HC}COPY id_rsa /root/.ssh/id_rsa\nUSER root\n"
        "FROM runtime AS debug\nRUN echo debug\n"
    )
    (repo / ".dockgate.yml").write_text(
        "images:\n  - {name: web, context: web, dockerfile: web/Dockerfile, target: runtime,"
        " size_budget_mb: 1}\n"
    )
    code, findings = lint_json(
        capsys, str(repo / "web" / "Dockerfile"), "--image", _key_image(make_image, big=True)
    )
    by_rule = {f["rule"]: f for f in findings}
    assert "DG206" in by_rule and "1 MB budget" in by_rule["DG206"]["message"]
    assert by_rule["DG204"]["line"] == 5 and by_rule["DG204"]["stage"] == "runtime"
    assert by_rule["DG201"]["line"] == 6


def test_image_matches_the_configured_image_name(repo: Path) -> None:
    (repo / "api").mkdir()
    (repo / "api" / "Dockerfile").write_text("FROM python:3.11-slim\n")
    jobs = plan_folder(repo).jobs
    assert image_repository("registry:127.0.0.1:5001/acme/web:1") == "acme/web"
    assert image_repository("docker-archive:/tmp/x.tar") is None
    job = job_for_image(jobs, "registry:127.0.0.1:5001/acme/web:1")
    assert job is not None and job.dockerfile == (repo / "web" / "Dockerfile").resolve()
    assert job_for_image(jobs, "web@sha256:" + "a" * 64) is job
    assert job_for_image(jobs, "sha256:" + "a" * 64) is None
    assert job_for_image(jobs, "other:1") is None


def test_sarif_of_a_single_file_is_relative_to_the_repo_root(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".dockgate.yml").write_text("lint:\n  ignore: [DG102]\n")
    main(["lint", str(repo / "web" / "Dockerfile"), "--format", "sarif"])
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert results and {r["ruleId"] for r in results}.isdisjoint({"DG102"})
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"web/Dockerfile"}  # the same URI folder mode gives, so alerts stay one alert
