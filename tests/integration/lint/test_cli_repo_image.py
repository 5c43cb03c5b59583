"""`dockgate lint` on a real image built the way `.dockgate.yml` says (target, build-args, budget):
the Dockerfile rules and the image rules agree, and DG2xx keep their Dockerfile lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from workers.build import build_image
from workers.repoconfig import load_repo_config

pytestmark = [pytest.mark.docker, pytest.mark.registry]  # bases come through the registry mirror
BUSYBOX = "dockgate-base/busybox:1.35"
WEB = (
    f"FROM {BUSYBOX} AS runtime\n"  # 1
    "ARG RUN_AS=app\n"  # 2
    "COPY id_rsa /root/.ssh/id_rsa\n"  # 3
    'HEALTHCHECK CMD ["true"]\n'  # 4
    "USER ${RUN_AS}\n"  # 5
    "FROM runtime AS debug\n"  # 6
    "RUN echo debug\n"  # 7
)
CONFIG = (
    "images:\n"
    "  - {name: web, context: web, dockerfile: web/Dockerfile, target: runtime, size_budget_mb: 1,\n"
    "     build_args: {RUN_AS: root}}\n"
    "  - {name: tools, context: tools, dockerfile: tools/Dockerfile}\n"
)


@pytest.fixture(scope="module")
def built(
    docker_client: Any,
    base_images: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    pki: dict[bytes, bytes],
) -> tuple[Path, str]:
    repo = tmp_path_factory.mktemp("lint-repo")
    (repo / ".git").mkdir()
    (repo / ".dockgate.yml").write_text(CONFIG)
    for name, text in (("web", WEB), ("tools", f'FROM {BUSYBOX}\nUSER 1000\nHEALTHCHECK CMD ["true"]\n')):
        (repo / name).mkdir()
        (repo / name / "Dockerfile").write_text(text)
        (repo / name / ".dockerignore").write_text(".git\n.env\n")
    (repo / "web" / "id_rsa").write_bytes(pki[b"@PEM"])
    spec = next(s for s in load_repo_config(repo).images if s.name == "web")
    result = build_image(spec, repo, client=docker_client, tag="dockgate-test/lint-repo-web:it")
    assert result.ok and result.image_id, result.log_tail()
    return repo, result.image_id


def _lint(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, set[tuple[str, str, int | None]]]:
    code = main(["lint", *argv, "--format", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    return code, {(f["rule"], Path(f["path"]).parent.name, f["line"]) for f in findings}


def test_folder_with_image_and_dockerfile(
    built: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, image_id = built
    code, found = _lint(capsys, str(repo), "--image", image_id, "--dockerfile", "web/Dockerfile")
    assert code == 1
    # DG105 (build-arg RUN_AS=root through ARG substitution) agrees with DG201 on the real image
    assert {("DG105", "web", 5), ("DG201", "web", 5), ("DG204", "web", 3), ("DG206", "web", 1)} <= found
    assert not any(rule == "DG106" and folder == "web" for rule, folder, _ in found)  # target: runtime
    assert not any(folder == "tools" and rule.startswith("DG2") for rule, folder, _ in found)


def test_single_file_with_image_gets_the_same_image_findings(
    built: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, image_id = built
    _, folder = _lint(capsys, str(repo), "--image", image_id, "--dockerfile", "web/Dockerfile")
    _, single = _lint(capsys, str(repo / "web" / "Dockerfile"), "--image", image_id)
    assert single == {f for f in folder if f[1] == "web"}


def test_folder_with_image_but_no_dockerfile_is_a_usage_error(
    built: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, image_id = built
    assert main(["lint", str(repo), "--image", image_id]) == 2
    assert "--dockerfile" in capsys.readouterr().err
