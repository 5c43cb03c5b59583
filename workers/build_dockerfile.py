"""Dockerfile preparation for a build: base references, the mirror rewrite, step-to-line mapping.

Kept apart from workers.build (which talks to the engine) so it is pure and unit-testable: the
mirror rewrite changes only the image token of FROM lines (or overrides the global ARG a FROM
uses), so line numbers stay those of the user's Dockerfile and build failures point at them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from workers.lint.imageref import mirror_ref
from workers.lint.model import Dockerfile, parse, substitute

_FROM_VAR = re.compile(r"^\$\{?(\w+)\}?$")
_STEP = re.compile(r"^Step (\d+)/\d+ : ")
_PARSE_ERROR_LINE = re.compile(r"line (\d+)")


@dataclass(frozen=True)
class PreparedDockerfile:
    """The text to build, extra build args for the rewrite, and the bases it names."""

    text: str
    build_args: dict[str, str]
    bases: dict[str, str] = field(default_factory=dict)  # as written (ARGs expanded) -> as built
    step_lines: tuple[int, ...] = ()  # line of the Nth instruction, for "Step N/M" log lines


def _step_lines(doc: Dockerfile) -> tuple[int, ...]:
    lines = [i.line for i in doc.preamble] + [s.from_line for s in doc.stages]
    lines += [i.line for s in doc.stages for i in s.instructions]
    return tuple(sorted(lines))


def prepare(
    text: str,
    build_args: Mapping[str, str],
    mirror: str | None,
    present: Callable[[str], bool] = lambda ref: False,
) -> PreparedDockerfile:
    """Rewrite FROM references to `mirror` (when set); never fails: the engine reports bad files.

    A base the engine already holds (`present(ref)`) is built as written: nothing to fetch.
    """
    doc = parse(text)
    variables = {**doc.global_args, **build_args}
    lines = text.splitlines(keepends=True)
    extra: dict[str, str] = {}
    bases: dict[str, str] = {}
    for stage in doc.stages:
        if stage.parent is not None or stage.base.lower() == "scratch":
            continue
        raw = _from_token(lines[stage.from_line - 1])
        if raw is None:  # FROM split over lines: build it as written
            bases[stage.base] = stage.base
            continue
        written, known = substitute(raw, variables)
        if not known:
            continue
        built = written if present(written) else _mirrored(written, mirror)
        bases[written] = built
        if built == written:
            continue
        var = _FROM_VAR.match(raw)
        if var:
            extra[var.group(1)] = built
        else:
            lines[stage.from_line - 1] = lines[stage.from_line - 1].replace(raw, built, 1)
    return PreparedDockerfile("".join(lines), extra, bases, _step_lines(doc))


def _mirrored(ref: str, mirror: str | None) -> str:
    if not mirror:
        return ref
    try:
        return mirror_ref(ref, mirror)
    except ValueError:
        return ref


def _from_token(line: str) -> str | None:
    """The image token of a single-line `FROM [--flag...] image [AS name]`."""
    words = line.split()
    if not words or words[0].upper() != "FROM":
        return None
    rest = [w for w in words[1:] if not w.startswith("--")]
    return rest[0] if rest else None


def failing_line(log_lines: list[str], error: str, step_lines: tuple[int, ...]) -> int | None:
    """The Dockerfile line of the step that failed: the last `Step N/M` seen, or the parse error's."""
    if "parse error" in error.lower() or "unknown instruction" in error.lower():
        m = _PARSE_ERROR_LINE.search(error)
        if m:
            return int(m.group(1))
    for line in reversed(log_lines):
        m = _STEP.match(line)
        if m:
            step = int(m.group(1))
            return step_lines[step - 1] if 0 < step <= len(step_lines) else None
    return None
