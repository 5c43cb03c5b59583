"""Every DG2xx rule on a real image made to break it, with the Dockerfile line that did it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from workers.image import open_image
from workers.lint import Finding, LintConfig, check_image

pytestmark = [pytest.mark.docker, pytest.mark.registry]  # bases come through the registry mirror
TAIL = 'USER 1000\nHEALTHCHECK CMD ["true"]\n'
NPM_TOKEN = "npm_" + "A1b2C3d4E5" * 3 + "f6G7h8"
GH_TOKEN = "ghp_" + "Zz09Yy18Xx27" * 3
BUSYBOX = "dockgate-base/busybox:1.35"

# rule -> (Dockerfile, context files, {expected line: count}, size budget)
CASES: dict[str, tuple[str, dict[str, bytes], dict[int | None, int], int]] = {
    "DG201": (f'FROM {BUSYBOX}\nHEALTHCHECK CMD ["true"]\nUSER root\n', {}, {3: 1}, 500),
    "DG202": (f"FROM {BUSYBOX}\nRUN true\nUSER 1000\n", {}, {1: 1}, 500),
    "DG203": (
        f"FROM {BUSYBOX}\nENV GITHUB_TOKEN={GH_TOKEN}\nARG NPM_TOKEN={NPM_TOKEN}\nRUN echo building\n" + TAIL,
        {},
        {2: 1, 3: 1, 4: 1},  # ENV in Env; the ARG default in the ARG and RUN history entries
        500,
    ),
    "DG204": (
        f"FROM {BUSYBOX}\nCOPY id_rsa /home/app/.ssh/id_rsa\nCOPY key.pem cert.pem /srv/tls/\n"
        "RUN mkdir -p /srv/repo/.git\n" + TAIL,
        {"id_rsa": b"@PEM", "key.pem": b"@PEM", "cert.pem": b"@CERT"},
        {2: 1, 3: 1, 4: 1},  # the certificate next to the key is public and not reported
        500,
    ),
    "DG205": (
        f"FROM {BUSYBOX}\nCOPY tool.sh /usr/local/bin/tool\n"
        "RUN chmod 4755 /usr/local/bin/tool && chmod g+s /bin\n" + TAIL,
        {"tool.sh": b"#!/bin/sh\necho tool\n"},
        {3: 1},  # a setgid directory is not a setgid program
        500,
    ),
    "DG206": (f"FROM {BUSYBOX}\nRUN dd if=/dev/zero of=/blob bs=1M count=3\n" + TAIL, {}, {1: 1}, 3),
    "DG207": (
        f"FROM {BUSYBOX}\nRUN mkdir -p /var/lib/apt/lists /root/.cache/pip/http"
        " && echo x > /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease"
        " && echo y > /root/.cache/pip/http/abc\n" + TAIL,
        {},
        {2: 2},
        500,
    ),
    "DG208": (
        f"FROM {BUSYBOX}\nRUN mkdir -p /usr/bin && cp /bin/busybox /usr/bin/gcc\n" + TAIL,
        {},
        {2: 1},
        500,
    ),
}


def _check(image_id: str, dockerfile: Path | None, budget: int = 500) -> list[Finding]:
    with open_image(image_id) as image:
        return check_image(image, dockerfile, size_budget_mb=budget)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_fires_on_the_image_made_to_break_it(
    rule: str, build_case: Callable[[str, str, dict[str, bytes]], tuple[str, Path]]
) -> None:
    dockerfile, files, expected, budget = CASES[rule]
    image_id, path = build_case(rule.lower(), dockerfile, files)
    findings = _check(image_id, path, budget)
    hits = [f for f in findings if f.rule == rule]
    lines: dict[int | None, int] = {}
    for finding in hits:
        lines[finding.line] = lines.get(finding.line, 0) + 1
    assert lines == expected, [f"{f.line} {f.message}" for f in hits]
    others = {f.rule for f in findings} - {rule}
    assert not others - {"DG206"}, others  # the image breaks only the rule it was made for
    assert all(f.path == str(path) and f.fix for f in hits)


def test_secrets_removed_or_overwritten_by_a_later_layer_are_still_reported(
    build_case: Callable[[str, str, dict[str, bytes]], tuple[str, Path]],
) -> None:
    """`RUN rm` does not take a file out of the layer that added it: `docker save` still has it."""
    dockerfile = (
        f"FROM {BUSYBOX}\n"
        "COPY id_rsa /home/app/.ssh/id_rsa\n"
        "RUN rm /home/app/.ssh/id_rsa\n"
        "COPY npmrc /home/app/.npmrc\n"
        "RUN echo registry=https://registry.npmjs.org/ > /home/app/.npmrc\n"
        "COPY notes.txt /home/app/notes.txt\n"
        "RUN rm /home/app/notes.txt\n" + TAIL
    )
    files = {"id_rsa": b"@PEM", "npmrc": f"//registry.npmjs.org/:_authToken={NPM_TOKEN}\n".encode()}
    image_id, path = build_case("dg204-shadowed", dockerfile, {**files, "notes.txt": b"harmless"})
    findings = [f for f in _check(image_id, path) if f.rule == "DG204"]
    assert sorted((f.line, f.message.split(" was removed")[0]) for f in findings) == [
        (2, "/home/app/.ssh/id_rsa"),
        (4, "/home/app/.npmrc"),  # the token-free .npmrc written over it is not a secret
    ], [f.message for f in findings]
    assert all("still in the layer" in f.message for f in findings)


def test_clean_image_has_no_findings(
    build_case: Callable[[str, str, dict[str, bytes]], tuple[str, Path]],
) -> None:
    image_id, path = build_case(
        "clean", f"FROM {BUSYBOX}\nCOPY app.txt /app/app.txt\n" + TAIL, {"app.txt": b"hi"}
    )
    assert _check(image_id, path) == []
    assert [f.rule for f in _check(image_id, path, budget=1)] == ["DG206"]  # busybox alone is ~1 MB+


def test_without_dockerfile_findings_name_the_image(
    build_case: Callable[[str, str, dict[str, bytes]], tuple[str, Path]],
) -> None:
    image_id, _ = build_case("nodockerfile", f"FROM {BUSYBOX}\nRUN true\n", {})
    findings = _check(image_id, None)
    assert {f.rule for f in findings} == {"DG201", "DG202"}
    assert all(f.path.startswith("image:") and f.line is None for f in findings)


def test_cli_lint_with_image(
    build_case: Callable[[str, str, dict[str, bytes]], tuple[str, Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    image_id, path = build_case("cli", f"FROM {BUSYBOX}\nRUN true\n", {})
    assert main(["lint", str(path), "--image", image_id, "--format", "json"]) == 1
    rules = {(f["rule"], f["line"]) for f in json.loads(capsys.readouterr().out)["findings"]}
    assert {("DG105", 1), ("DG201", 1), ("DG202", 1)} <= rules


def test_examples_image_findings(docker_client: Any, base_images: dict[str, str]) -> None:
    root = Path(__file__).resolve().parents[3] / "examples"
    from workers.build import build_image
    from workers.repoconfig import load_repo_config

    (spec,) = load_repo_config(root / "bad-service").images
    result = build_image(spec, root / "bad-service", client=docker_client, tag="dockgate-test/lint-bad:it")
    assert result.ok and result.image_id
    findings = {(f.rule, f.line) for f in _check(result.image_id, root / "bad-service" / "Dockerfile")}
    assert {("DG201", 2), ("DG202", 2), ("DG203", 4), ("DG204", 9)} <= findings  # .env came with COPY . .


def test_inline_suppression_and_config_apply_to_image_findings(
    build_case: Callable[[str, str, dict[str, bytes]], tuple[str, Path]],
) -> None:
    dockerfile = (
        f"FROM {BUSYBOX}\n# dockgate: ignore=DG204 throwaway key the integration test needs\n"
        "COPY id_rsa /srv/keys/id_rsa\nCOPY id_rsa /root/.ssh/id_rsa\n" + TAIL
    )
    image_id, path = build_case("suppressed", dockerfile, {"id_rsa": b"@PEM"})
    findings = _check(image_id, path)
    assert [(f.rule, f.line) for f in findings] == [("DG204", 4)]  # line 3 is suppressed, line 4 is not
    with open_image(image_id) as image:
        relaxed = check_image(image, path, config=LintConfig(overrides={"DG204": "warning"}))
    assert [(f.rule, f.level) for f in relaxed] == [("DG204", "warning")]


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        ("python-service", set()),
        ("eval-sandbox", set()),
        ("dashboard", set()),
        (
            "bad-node",
            {("DG201", 4), ("DG202", 4), ("DG203", 5), ("DG207", 8)},
        ),  # npm cache from `npm install`
    ],
)
def test_example_images(example: str, expected: set[tuple[str, int]], docker_client: Any) -> None:
    from workers.build import build_image
    from workers.repoconfig import load_repo_config

    root = Path(__file__).resolve().parents[3] / "examples" / example
    (spec,) = load_repo_config(root).images
    result = build_image(spec, root, client=docker_client, base_mirror="127.0.0.1:5001/mirror")
    assert result.ok and result.image_id, result.log_tail()
    findings = {(f.rule, f.line) for f in _check(result.image_id, root / "Dockerfile")}
    assert findings == expected
