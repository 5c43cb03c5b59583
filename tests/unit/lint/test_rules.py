"""Each DG1xx rule on small Dockerfiles: one that breaks it and one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.lint import LintConfig, lint_dockerfile, lint_text

GOOD_TAIL = 'USER app\nHEALTHCHECK CMD ["true"]\nCMD ["app"]\n'


def rules_of(text: str, **kwargs: object) -> list[tuple[str, int | None]]:
    return [(f.rule, f.line) for f in lint_text(text, **kwargs)]  # type: ignore[arg-type]


def has(text: str, rule: str, line: int | None = None, **kwargs: object) -> bool:
    return any(r == rule and (line is None or ln == line) for r, ln in rules_of(text, **kwargs))


CASES: list[tuple[str, str, int | None, str]] = [
    # rule, bad dockerfile, expected line, good dockerfile
    ("DG101", "FROM python\n" + GOOD_TAIL, 1, "FROM python:3.11-slim\n" + GOOD_TAIL),
    ("DG101", "FROM python:latest\n" + GOOD_TAIL, 1, "FROM python@sha256:" + "a" * 64 + "\n" + GOOD_TAIL),
    (
        "DG102",
        "FROM python:3.11-slim\n" + GOOD_TAIL,
        1,
        "FROM python:3.11-slim@sha256:" + "b" * 64 + "\n" + GOOD_TAIL,
    ),
    ("DG103", "FROM python:3.11\n" + GOOD_TAIL, 1, "FROM python:3.11-slim\n" + GOOD_TAIL),
    (
        "DG103",
        "FROM node:18 AS b\nFROM b\n" + GOOD_TAIL,
        1,
        "FROM node:18 AS b\nFROM node:18-alpine\n" + GOOD_TAIL,
    ),
    (
        "DG104",
        "FROM debian:12-slim\nRUN apt-get install -y gcc make\n" + GOOD_TAIL,
        2,
        "FROM debian:12-slim AS b\nRUN apt-get install -y gcc\nFROM debian:12-slim\n" + GOOD_TAIL,
    ),
    (
        "DG104",
        "FROM alpine:3\nRUN apk add --no-cache --virtual .deps gcc\n" + GOOD_TAIL,
        2,
        "FROM alpine:3\nRUN apk add --no-cache --virtual .deps gcc && make && apk del .deps\n" + GOOD_TAIL,
    ),
    ("DG105", "FROM a:1\nHEALTHCHECK NONE\n", 1, "FROM a:1\nUSER 1000\n"),
    ("DG105", "FROM a:1\nUSER app\nUSER root:root\n", 3, "FROM a:1\nUSER root\nRUN x\nUSER nobody\n"),
    ("DG105", "FROM a:1 AS base\nUSER 0\nFROM base\n", 2, "FROM a:1 AS base\nUSER 10\nFROM base\nRUN x\n"),
    (
        "DG106",
        "FROM a:1 AS b\nHEALTHCHECK CMD true\nFROM a:1\nUSER x\n",
        3,
        "FROM a:1 AS b\nFROM a:1\nUSER x\nHEALTHCHECK CMD true\n",
    ),
    ("DG107", "FROM a:1\nENV DB_PASSWORD=hunter22\n", 2, "FROM a:1\nENV DB_PASSWORD_FILE=/run/secrets/db\n"),
    ("DG107", "FROM a:1\nARG GH=ghp_" + "a" * 36 + "\n", 2, "FROM a:1\nARG GITHUB_TOKEN\n"),
    (
        "DG107",
        "ARG API_KEY=abcdef123\nFROM a:1\n",
        1,
        "ARG API_KEY=${API_KEY}\nFROM a:1\nENV TOKEN_TTL=3600\n",
    ),
    ("DG107", "FROM a:1\nENV URL=postgres://u:s3cret@db/x\n", 2, "FROM a:1\nENV URL=postgres://db/x\n"),
    ("DG107", "FROM a:1\nENV DB_PWD=s3cret-value\n", 2, "FROM a:1\nENV PWD=/app GPG_KEY=A035C8C1921\n"),
    ("DG108", "FROM a:1\nADD src /src\n", 2, "FROM a:1\nADD rootfs.tar.gz /\nCOPY src /src\n"),
    ("DG108", "FROM a:1\nADD https://x.example/f /f\n", 2, "FROM a:1\nCOPY f /f\n"),
    ("DG109", "FROM a:1\nCMD python app.py\n", 2, 'FROM a:1\nCMD ["python", "app.py"]\n'),
    ("DG109", "FROM a:1\nENTRYPOINT /app\n", 2, 'FROM a:1\nENTRYPOINT ["/app"]\n'),
    (
        "DG110",
        "FROM a:1\nCOPY . .\nRUN pip install -r requirements.txt\n",
        2,
        "FROM a:1\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
        "COPY . .\nRUN pip install .\n",
    ),
    (
        "DG111",
        "FROM a:1\nRUN apt-get update && apt-get install -y x\n",
        2,
        "FROM a:1\nRUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*\n",
    ),
    (
        "DG111",
        "FROM a:1 AS base\nRUN apt-get update && apt-get install -y x\nFROM base\n",
        2,
        "FROM a:1 AS b\nRUN apt-get update && apt-get install -y x\nFROM a:1\nCOPY --from=b /x /x\n",
    ),
    ("DG112", "FROM a:1\nRUN apt-get update\n", 2, "FROM a:1\nRUN apt-get update && apt-get upgrade -y\n"),
    (
        "DG113",
        "FROM a:1\nRUN apt-get install -y x\n",
        2,
        "FROM a:1\nRUN DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends x\n",
    ),
    ("DG114", "FROM a:1\nRUN python3 -m pip install x\n", 2, "FROM a:1\nRUN pip install --no-cache-dir x\n"),
    ("DG114", "FROM a:1\nRUN pip3 install x\n", 2, "FROM a:1\nENV PIP_NO_CACHE_DIR=1\nRUN pip3 install x\n"),
    (
        "DG115",
        "FROM a:1\nCOPY package.json package-lock.json ./\nRUN npm install\n",
        3,
        "FROM a:1\nCOPY package*.json ./\nRUN npm ci && npm install -g pm2 && npm i left-pad\n",
    ),
    ("DG116", "FROM a:1\nRUN sudo -E apt-get install x\n", 2, "FROM a:1\nRUN echo sudo\n"),
    (
        "DG118",
        "FROM a:1\nRUN curl -fsSL https://x/i.sh | sudo bash -\n",
        2,
        "FROM a:1\nRUN curl -o i.sh https://x\n",
    ),
    (
        "DG118",
        'FROM a:1\nRUN sh -c "$(wget -qO- https://x/i.sh)"\n',
        2,
        "FROM a:1\nRUN wget -qO- x | tar xz\n",
    ),
    ("DG119", "FROM a:1\nWORKDIR app\n", 2, "FROM a:1\nWORKDIR /app\nWORKDIR $HOME\n"),
    ("DG119", "FROM a:1\nRUN cd /x && make\n", 2, "FROM a:1\nRUN make -C /x\n"),
    ("DG120", 'FROM a:1\nCMD ["a"]\nCMD ["b"]\n', 3, 'FROM a:1\nCMD ["a"]\nFROM a:1\nCMD ["b"]\n'),
    ("DG120", 'FROM a:1\nENTRYPOINT ["a"]\nENTRYPOINT ["b"]\n', 3, 'FROM a:1\nENTRYPOINT ["a"]\nCMD ["b"]\n'),
    ("DG121", "FROM a:1\nRUN apk add --update curl\n", 2, "FROM a:1\nRUN apk --no-cache add curl\n"),
    ("DG122", "FROM a:1\nMAINTAINER me\n", 2, "FROM a:1\nLABEL org.opencontainers.image.authors=me\n"),
    ("DG123", "FROM a:1\nRUN chmod -R 777 /app\n", 2, "FROM a:1\nRUN chmod -R 755 /app\n"),
    ("DG123", "FROM a:1\nRUN chmod u+s /bin/x\n", 2, "FROM a:1\nRUN chmod u+x /bin/x\n"),
    ("DG123", "FROM a:1\nRUN chmod 4755 /bin/x\n", 2, "FROM a:1\nRUN chmod 0755 /bin/x\n"),
    ("DG124", "FROM a:1\nFOO bar\n", 2, "FROM a:1\nRUN foo bar\n"),
    ("DG124", "RUN x\nFROM a:1\n", 1, "ARG V=1\nFROM a:${V}\n"),
]


@pytest.mark.parametrize(
    ("rule", "bad", "line", "good"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_rule_fires_on_bad_and_not_on_good(rule: str, bad: str, line: int | None, good: str) -> None:
    assert has(bad, rule, line), rules_of(bad)
    assert not has(good, rule), rules_of(good)


def test_every_dockerfile_rule_has_a_case() -> None:
    covered = {c[0] for c in CASES} | {"DG117"}
    assert covered == {f"DG1{n:02d}" for n in range(1, 25)}


def test_heredoc_and_json_run_are_analysed() -> None:
    text = "# syntax=docker/dockerfile:1\nFROM a:1\nRUN <<EOF\napt-get update\napt-get install -y x\nEOF\n"
    assert has(text, "DG111", 3) and has(text, "DG113", 3)
    assert has('FROM a:1\nRUN ["sh", "-c", "sudo ls"]\n', "DG116", 2)


def test_target_selects_the_shipped_stage() -> None:
    text = "FROM a:1 AS runtime\nUSER app\nFROM a:1 AS debug\n"
    assert has(text, "DG105", 3)
    assert not has(text, "DG105", target="runtime")
    assert has(text, "DG124", target="nope")


def test_global_arg_substitution_in_from() -> None:
    assert not has("ARG TAG=3.11-slim\nFROM python:${TAG}\n", "DG101")
    assert has("ARG TAG=latest\nFROM python:$TAG\n", "DG101", 2)
    assert not has("FROM python:${UNKNOWN}\n", "DG101")  # undecidable: no finding rather than a guess


def test_inline_suppression_and_config() -> None:
    text = "# dockgate: ignore=DG102,DG101 local base\nFROM python\nUSER app\n"
    assert not has(text, "DG102") and not has(text, "DG101")
    assert has("FROM python\n", "DG102")
    config = LintConfig(ignore=frozenset({"DG106"}), overrides={"DG105": "warning", "DG102": "off"})
    findings = lint_text("FROM python:3.11-slim\n", config=config)
    assert {f.rule: f.level for f in findings} == {"DG105": "warning"}


def test_dockerignore(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM a:1\nUSER x\n")
    assert any(f.rule == "DG117" for f in lint_dockerfile(dockerfile, context=tmp_path))
    (tmp_path / ".dockerignore").write_text(".git\n")
    found = [f for f in lint_dockerfile(dockerfile, context=tmp_path) if f.rule == "DG117"]
    assert found and found[0].message.startswith(".dockerignore does not exclude .env.")
    (tmp_path / ".dockerignore").write_text("# all\n**/.git\n.env*\n")
    assert not any(f.rule == "DG117" for f in lint_dockerfile(dockerfile, context=tmp_path))
    (tmp_path / ".dockerignore").write_text("*\n!.env\n")
    assert any(f.rule == "DG117" for f in lint_dockerfile(dockerfile, context=tmp_path))


def test_findings_carry_stage_and_fix() -> None:
    (finding,) = [
        f for f in lint_text("FROM a:1 AS build\nRUN sudo x\nFROM a:1\nUSER u\n") if f.rule == "DG116"
    ]
    assert finding.stage == "build" and finding.level == "error" and finding.fix
    assert finding.message.endswith(".") and "sudo" in finding.message
