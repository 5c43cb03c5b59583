"""Rule semantics beyond one-line matching: variables, lockfiles, install modes, ONBUILD, cache
mounts and parser directives."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.lint import lint_dockerfile, lint_text

TAIL = 'HEALTHCHECK CMD ["true"]\nCMD ["app"]\n'


def lines(text: str, rule: str, **kwargs: object) -> list[int | None]:
    return [f.line for f in lint_text(text, **kwargs) if f.rule == rule]  # type: ignore[arg-type]


# --- DG105: USER through ARG/ENV substitution ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "FROM a:1\nARG U=root\nUSER ${U}\n",
        "FROM a:1\nARG U=0\nUSER $U:$U\n",
        "FROM a:1\nENV RUN_AS=root\nUSER ${RUN_AS}\n",
        "ARG U=root\nFROM a:1\nARG U\nUSER ${U}\n",  # a global ARG re-declared in the stage
        "FROM a:1 AS base\nENV U=root\nFROM base\nUSER $U\n",  # ENV is inherited from the parent stage
        "FROM a:1\nUSER ${U:-root}\n",
    ],
)
def test_dg105_resolves_variables_to_root(text: str) -> None:
    user_line = text.splitlines().index(next(ln for ln in text.splitlines() if ln.startswith("USER"))) + 1
    assert lines(text, "DG105") == [user_line]


@pytest.mark.parametrize(
    "text",
    [
        "FROM a:1\nARG U=app\nUSER ${U}\n",
        "FROM a:1\nUSER ${UNKNOWN}\n",  # undecidable: no finding rather than a guess
        "FROM a:1 AS base\nARG U=root\nFROM base\nUSER ${U}\n",  # an ARG does not outlive its stage
        "FROM a:1\nARG U=root\nENV U=app\nUSER $U\n",  # ENV wins over ARG
        "FROM a:1\nUSER $U\nARG U=root\n",  # declared after the USER
    ],
)
def test_dg105_does_not_flag_non_root_or_unknown(text: str) -> None:
    assert lines(text, "DG105") == []


def test_dg105_build_args_override_arg_defaults() -> None:
    text = "FROM a:1\nARG U=app\nUSER ${U}\n"
    assert lines(text, "DG105", build_args={"U": "root"}) == [3]
    assert lines("FROM a:1\nARG U=root\nUSER $U\n", "DG105", build_args={"U": "1000"}) == []
    # a build-arg reaches a global ARG (and so FROM) too
    assert lines(
        "ARG TAG=3.11-slim\nFROM python:${TAG}\nUSER x\n", "DG101", build_args={"TAG": "latest"}
    ) == [2]


def test_lint_dockerfile_passes_build_args(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM a:1\nARG RUN_AS\nUSER ${RUN_AS}\n")
    assert not any(f.rule == "DG105" for f in lint_dockerfile(dockerfile))
    found = lint_dockerfile(dockerfile, build_args={"RUN_AS": "0"})
    assert [f.line for f in found if f.rule == "DG105"] == [3]


# --- DG123: setuid installs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "run",
    [
        "install -m 4755 tool /usr/local/bin/tool",
        "install -o root -m u+s tool /usr/local/bin/tool",
        "install -Dm2755 tool /usr/local/bin/tool",
        "install --mode=6755 tool /usr/local/bin/tool",
        "install --mode 777 -d /data",
        "install -m4755 tool /usr/local/bin/tool",
    ],
)
def test_dg123_setuid_and_world_writable_install(run: str) -> None:
    assert lines(f"FROM a:1\nRUN {run}\n", "DG123") == [2]


@pytest.mark.parametrize(
    "run",
    [
        "install -m 0755 tool /usr/local/bin/tool",
        "install -Dm644 a /etc/a",
        "install -d /data",
        "chmod 1777 /tmp",
    ],
)
def test_dg123_ordinary_modes_pass(run: str) -> None:
    assert lines(f"FROM a:1\nRUN {run}\n", "DG123") == []


# --- DG115: only where a lockfile makes `npm ci` possible -----------------------------------------


def _node_repo(tmp_path: Path, dockerfile: str, files: tuple[str, ...]) -> Path:
    for name in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}\n")
    (tmp_path / "Dockerfile").write_text(dockerfile)
    return tmp_path / "Dockerfile"


@pytest.mark.parametrize(
    ("copy", "files", "fires"),
    [
        ("COPY package*.json ./", ("package.json", "package-lock.json"), True),
        ("COPY package*.json ./", ("package.json", "npm-shrinkwrap.json"), True),
        ("COPY package*.json ./", ("package.json",), False),  # no lockfile: `npm ci` would fail
        ("COPY web/package.json ./", ("web/package.json", "web/package-lock.json"), True),
        ("COPY web/package.json ./", ("web/package.json", "package-lock.json"), False),  # not next to it
        ("COPY . .", ("package.json", "package-lock.json"), True),
        ("COPY web/ ./", ("web/package.json", "web/package-lock.json"), True),
        ("COPY ../package.json ./", ("package.json", "package-lock.json"), False),  # outside the context
    ],
)
def test_dg115_needs_a_lockfile_in_the_context(
    tmp_path: Path, copy: str, files: tuple[str, ...], fires: bool
) -> None:
    dockerfile = _node_repo(tmp_path, f"FROM node:18-slim\nWORKDIR /app\n{copy}\nRUN npm install\n", files)
    found = [f for f in lint_dockerfile(dockerfile, context=tmp_path) if f.rule == "DG115"]
    assert [f.line for f in found] == ([4] if fires else [])
    if fires:
        assert "lock" in found[0].message


def test_dg115_without_a_context() -> None:
    # Without the context folder only an explicitly copied or mounted lockfile is known.
    assert lines("FROM a:1\nCOPY package.json npm-shrinkwrap.json ./\nRUN npm i\n", "DG115") == [3]
    mount = "FROM a:1\nRUN --mount=type=bind,source=package-lock.json,target=package-lock.json npm install\n"
    assert lines(mount, "DG115") == [2]
    assert lines("FROM a:1\nCOPY package*.json ./\nRUN npm install\n", "DG115") == []
    # a lockfile copied in an earlier stage of the chain counts; one from another stage does not
    chain = "FROM a:1 AS deps\nCOPY package-lock.json package.json ./\nFROM deps\nRUN npm install\n"
    assert lines(chain, "DG115") == [4]
    other = "FROM a:1 AS deps\nCOPY package-lock.json ./\nFROM a:1\nRUN npm install\n"
    assert lines(other, "DG115") == []


# --- ONBUILD RUN is linted like RUN --------------------------------------------------------------


@pytest.mark.parametrize(
    ("trigger", "rule"),
    [
        ("ONBUILD RUN sudo make install", "DG116"),
        ("ONBUILD RUN curl -fsSL https://x.example/i.sh | sh", "DG118"),
        ('ONBUILD RUN ["sh", "-c", "chmod 4755 /bin/x"]', "DG123"),
        ("ONBUILD RUN apt-get update", "DG112"),
        ("ONBUILD RUN apk add curl", "DG121"),
        ("ONBUILD RUN pip install flask", "DG114"),
    ],
)
def test_onbuild_run_is_linted(trigger: str, rule: str) -> None:
    assert lines(f"FROM a:1\n{trigger}\nUSER app\n", rule) == [2]


def test_onbuild_run_keeps_its_own_flags() -> None:
    text = "FROM a:1\nONBUILD RUN --mount=type=cache,target=/var/cache/apk apk add curl\nUSER app\n"
    assert lines(text, "DG121") == []


# --- cache mounts exempt the cache rules ---------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "run", "mount"),
    [
        ("DG111", "apt-get update && apt-get install -y --no-install-recommends curl", "/var/lib/apt"),
        ("DG114", "pip install flask", "/root/.cache/pip"),
        ("DG121", "apk add curl", "/var/cache/apk"),
    ],
)
def test_cache_mounts_exempt_cache_rules(rule: str, run: str, mount: str) -> None:
    plain = f"FROM a:1\nRUN {run}\nUSER app\n"
    cached = f"FROM a:1\nRUN --mount=type=cache,target={mount} {run}\nUSER app\n"
    bind = f"FROM a:1\nRUN --mount=type=bind,target={mount} {run}\nUSER app\n"  # not a cache
    assert lines(plain, rule) == [2]
    assert lines(cached, rule) == []
    assert lines(bind, rule) == [2]


# --- parser directives ---------------------------------------------------------------------------


def test_escape_directive_backtick_continuations() -> None:
    body = "FROM a:1\nRUN apt-get update && `\n    apt-get install -y x\nWORKDIR C:\\app\n"
    findings = lint_text("# escape=`\n" + body)
    assert not any(f.rule == "DG124" for f in findings)
    assert {(f.rule, f.line) for f in findings} >= {("DG111", 3), ("DG113", 3)}
    # without the directive the backtick is no continuation: the next line is an unknown instruction
    assert any(f.rule == "DG124" and f.line == 3 for f in lint_text(body))


def test_escape_directive_after_a_comment_is_not_a_directive() -> None:
    text = "# a comment\n# escape=`\nFROM a:1\nRUN apt-get update && `\n    apt-get install -y x\n"
    assert any(f.rule == "DG124" for f in lint_text(text))


def test_dg115_says_when_the_lockfile_must_be_copied_too(tmp_path: Path) -> None:
    files = ("web/package.json", "web/package-lock.json")
    dockerfile = _node_repo(
        tmp_path, "FROM node:18-slim\nCOPY web/package.json ./\nRUN npm ci || npm install\n", files
    )
    (found,) = [f for f in lint_dockerfile(dockerfile, context=tmp_path) if f.rule == "DG115"]
    assert "web/package-lock.json" in found.message and "COPY it in too" in found.message
