"""hypothesis: random and hostile Dockerfiles never crash the linter; DG124 at worst."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workers.lint import RULES, lint_text
from workers.lint.model import parse
from workers.lint.shell import commands

INSTRUCTIONS = sorted(
    ["FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "USER", "CMD", "ENTRYPOINT", "HEALTHCHECK", "WORKDIR",
     "LABEL", "ONBUILD", "SHELL", "EXPOSE", "VOLUME", "MAINTAINER", "STOPSIGNAL", "BOGUS", "from", "#"]
)  # fmt: skip
WORDS = st.sampled_from(
    ["a", "a:1", "AS", "x", "--mount=type=cache,target=/x", "--from=0", "--chown=1:1", "<<EOF", "EOF", "\\",
     "&&", "|", ";", "'", '"', "$(", "${X", "[", "]", '["a",', "sudo", "apt-get", "install", "pip", "chmod",
     "777", "curl", "sh", "-c", "\t", "é", "\x00", "#", "=", "latest", "@sha256:", "NONE", "CMD"]
)  # fmt: skip
LINE = st.tuples(st.sampled_from(INSTRUCTIONS), st.lists(WORDS, max_size=6)).map(
    lambda t: " ".join([t[0], *t[1]])
)
STRUCTURED = st.lists(LINE, max_size=12).map(lambda lines: "\n".join(lines) + "\n")


def check(text: str) -> None:
    parse(text)  # our own model code must not raise (lint_text would hide that as DG124)
    findings = lint_text(text)
    for f in findings:
        assert f.rule in RULES and f.level in ("error", "warning", "info")
        assert f.line is None or f.line >= 1
    if any(f.rule == "DG124" for f in findings):
        assert {f.rule for f in findings} == {"DG124"}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STRUCTURED)
def test_structured_garbage_never_crashes(text: str) -> None:
    check(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes(text: str) -> None:
    check(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab |&;'\"\\$(){}<>\n-c sh")), max_size=80))
def test_shell_splitter_never_crashes(script: str) -> None:
    for cmd in commands(script):
        assert cmd.argv


def test_unterminated_heredoc_is_dg124() -> None:
    (finding,) = lint_text("FROM a:1\nCOPY <<EOF /x\nno end\n")
    assert finding.rule == "DG124" and "heredoc" in finding.message


def test_lone_continuation_line_is_dg124() -> None:
    # dockerd: "dockerfile parse error line 2: unknown instruction:"
    assert [(f.rule, f.line) for f in lint_text("FROM a:1\n\\\n")] == [("DG124", 2)]


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 10**6), st.lists(st.sampled_from(list("\\\n\"'$`{}()|&;<>#= -:@/aEOF")), max_size=12))
def test_mutated_real_dockerfiles_never_crash(position: int, inserted: list[str]) -> None:
    base = "FROM python:3.11-slim AS b\nRUN apt-get update && apt-get install -y gcc \\\n  && rm -rf /x\n"
    base += 'FROM b\nCOPY --from=b /a /a\nUSER app\nCMD ["app"]\n'
    cut = position % (len(base) + 1)
    check(base[:cut] + "".join(inserted) + base[cut:])


def test_empty_file_is_dg124() -> None:
    assert [f.rule for f in lint_text("")] == ["DG124"]
    assert [f.rule for f in lint_text("# just a comment\n")] == ["DG124"]
