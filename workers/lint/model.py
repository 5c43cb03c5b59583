"""A Dockerfile as stages of instructions, parsed with BuildKit's own parser.

The `dockerfile` package wraps moby/buildkit's parser (heredocs, directives, continuations,
flags), so we agree with the builder on what the file means. On top we add what the parser
leaves to the builder: instruction names, FROM arguments, global ARG substitution in FROM, the
stage graph (which stage ships and which stages it inherits from) and inline suppressions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import dockerfile

from workers.lint.imageref import parse_ref

KNOWN = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN SHELL "
    "STOPSIGNAL USER VOLUME WORKDIR".split()
)
_NEEDS_ARGS = KNOWN - {"HEALTHCHECK", "ONBUILD"}
_SUPPRESS = re.compile(r"^\s*#\s*dockgate:\s*ignore\s*=\s*([A-Za-z0-9_,\s]+?)(?:\s+\S.*)?$")
_VAR = re.compile(r"\$(?:\{(\w+)(?::?[-+]([^}]*))?\}|(\w+))")


@dataclass(frozen=True)
class Instruction:
    cmd: str
    flags: tuple[str, ...]
    args: tuple[str, ...]
    original: str
    line: int
    end_line: int
    json: bool
    heredocs: tuple[str, ...]
    sub_cmd: str | None = None

    def flag(self, name: str) -> str | None:
        """The value of `--name=value` (or "" for a bare `--name`), None when absent."""
        for raw in self.flags:
            key, _, value = raw.partition("=")
            if key == f"--{name}":
                return value
        return None


@dataclass
class Stage:
    index: int
    name: str | None
    base: str  # FROM argument after global ARG substitution
    from_line: int
    platform: str | None
    instructions: list[Instruction] = field(default_factory=list)
    parent: int | None = None  # index of the stage this one is built FROM, if any
    unresolved: bool = False  # FROM used a variable we could not substitute

    @property
    def label(self) -> str:
        return self.name or str(self.index)


@dataclass
class Dockerfile:
    path: str
    stages: list[Stage]
    global_args: dict[str, str]
    errors: list[tuple[int | None, str]]
    suppressions: dict[int, frozenset[str]]  # instruction start line -> suppressed rule ids
    directives: dict[str, str]
    preamble: list[Instruction] = field(default_factory=list)  # global ARGs before the first FROM

    def stage_named(self, ref: str) -> Stage | None:
        for stage in self.stages:
            if stage.name == ref.lower() or (ref.isdigit() and stage.index == int(ref)):
                return stage
        return None

    def final(self, target: str | None = None) -> Stage | None:
        """The stage that ships: `target` if given (and present), else the last stage."""
        if target:
            return self.stage_named(target)
        return self.stages[-1] if self.stages else None

    def chain(self, stage: Stage) -> list[Stage]:
        """`stage` and the stages it is built FROM, nearest first: all of them ship."""
        out, seen = [stage], {stage.index}
        while out[-1].parent is not None and out[-1].parent not in seen:
            seen.add(out[-1].parent)
            out.append(self.stages[out[-1].parent])
        return out


def substitute(text: str, variables: dict[str, str]) -> tuple[str, bool]:
    """Expand $VAR/${VAR}/${VAR:-default}; the flag says whether every variable was known."""
    known = True

    def repl(match: re.Match[str]) -> str:
        nonlocal known
        name = match.group(1) or match.group(3)
        if name in variables:
            return variables[name]
        if match.group(2) is not None and "-" in match.group(0):
            return match.group(2)
        known = False
        return match.group(0)

    return _VAR.sub(repl, text), known


def _directives(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in text.splitlines():
        m = re.match(r"^#\s*([a-zA-Z]+)\s*=\s*(.*?)\s*$", raw)
        if not m:
            break
        out[m.group(1).lower()] = m.group(2)
    return out


def _suppressions(text: str, starts: set[int]) -> dict[int, frozenset[str]]:
    out: dict[int, frozenset[str]] = {}
    pending: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        if number in starts:
            if pending:
                out[number] = frozenset(pending)
            pending = set()
            continue
        m = _SUPPRESS.match(raw)
        if m:
            pending.update(r.strip().upper() for r in re.split(r"[,\s]+", m.group(1)) if r.strip())
    return out


def _instruction(cmd: dockerfile.Command) -> Instruction:
    return Instruction(
        cmd=cmd.cmd.upper(),
        flags=tuple(cmd.flags),
        args=tuple(cmd.value),
        original=cmd.original or "",
        line=cmd.start_line,
        end_line=cmd.end_line,
        json=cmd.json,
        heredocs=tuple(h.content for h in cmd.heredocs),
        sub_cmd=cmd.sub_cmd.upper() if cmd.sub_cmd else None,
    )


def _check(ins: Instruction, errors: list[tuple[int | None, str]]) -> bool:
    if ins.cmd not in KNOWN:
        errors.append((ins.line, f"unknown instruction {ins.cmd}"))
        return False
    if ins.cmd in _NEEDS_ARGS and not any(a.strip() for a in ins.args) and not ins.heredocs:
        errors.append((ins.line, f"{ins.cmd} requires at least one argument"))
        return False
    if ins.cmd == "FROM" and (
        len(ins.args) not in (1, 3) or (len(ins.args) == 3 and ins.args[1].upper() != "AS")
    ):
        errors.append((ins.line, "FROM expects `FROM [--platform=...] image [AS name]`"))
        return False
    return True


def _new_stage(doc: Dockerfile, ins: Instruction) -> Stage:
    base, known = substitute(ins.args[0], doc.global_args)
    name = ins.args[2].lower() if len(ins.args) == 3 else None
    stage = Stage(len(doc.stages), name, base, ins.line, ins.flag("platform"), unresolved=not known)
    parent = doc.stage_named(base) if not base.isdigit() else None
    stage.parent = parent.index if parent is not None else None
    return stage


def _bad_base(stage: Stage) -> bool:
    if stage.parent is not None or stage.unresolved or stage.base.lower() == "scratch":
        return False
    try:
        parse_ref(stage.base)
    except ValueError:
        return True
    return False


def arg_pairs(ins: Instruction) -> list[tuple[str, str | None]]:
    """(name, default) of each name an ARG declares; the default is None for a bare `ARG NAME`."""
    out: list[tuple[str, str | None]] = []
    for arg in ins.args:
        key, eq, value = arg.partition("=")
        out.append((key, value.strip("\"'") if eq else None))
    return out


def parse(text: str, path: str = "Dockerfile", build_args: Mapping[str, str] | None = None) -> Dockerfile:
    """Parse `text`; syntax problems land in `errors` (rule DG124), never in an exception.

    `build_args` (`--build-arg`s, e.g. from `.dockgate.yml`) override the defaults of the global
    ARGs they name, as the builder does, so FROM substitution sees the same values.
    """
    build_args = build_args or {}
    doc = Dockerfile(path, [], {}, [], {}, _directives(text))
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        m = re.search(r"line (\d+)", str(exc))
        doc.errors.append((int(m.group(1)) if m else None, str(exc) or "unparseable Dockerfile"))
        return doc
    empty = [c.start_line for c in commands if not c.cmd]  # e.g. a lone `\\` continuation line
    if empty:
        doc.errors.extend((line, "a line continuation with no instruction") for line in empty)
        return doc
    instructions = [_instruction(c) for c in commands]
    doc.suppressions = _suppressions(text, {i.line for i in instructions})
    for ins in instructions:
        if not _check(ins, doc.errors):
            continue
        if ins.cmd == "FROM":
            stage = _new_stage(doc, ins)
            if _bad_base(stage):
                doc.errors.append((ins.line, f"FROM names an invalid image reference {stage.base!r}"))
            doc.stages.append(stage)
        elif not doc.stages:
            if ins.cmd != "ARG":
                doc.errors.append((ins.line, f"{ins.cmd} before the first FROM (only ARG may come first)"))
                continue
            doc.preamble.append(ins)
            for key, default in arg_pairs(ins):
                doc.global_args[key] = build_args.get(key, default or "")
        else:
            doc.stages[-1].instructions.append(ins)
    if not doc.stages and not doc.errors:
        doc.errors.append((None, "no FROM instruction"))
    return doc
