"""Rules about stages and non-RUN instructions (bases, USER, HEALTHCHECK, ENV, ADD, CMD, ...).

"Shipped" stages are the final stage (the target, else the last) and the stages it is built
FROM: only what they contain reaches the image, so DG103-DG106 look at that chain and nothing else.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from workers.lint.findings import Finding, make
from workers.lint.imageref import is_full_size, parse_ref
from workers.lint.model import Dockerfile, Instruction, Stage, arg_pairs, substitute
from workers.lint.secrets import secret_reason

_ARCHIVES = (
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz2",
    ".tar.xz",
    ".txz",
    ".tar.zst",
    ".gz",
    ".bz2",
    ".xz",
)


@dataclass(frozen=True)
class LintContext:
    doc: Dockerfile
    final: Stage | None
    shipped: frozenset[int]  # indices of the final stage and its ancestors
    context: Path | None
    build_args: Mapping[str, str] = field(default_factory=dict)  # `--build-arg`s the engine passes

    def variables_before(self, stage: Stage, line: int) -> dict[str, str]:
        """ARG and ENV values in effect in `stage` just before `line`, as the builder expands them.

        ENV is inherited from the stages `stage` is built FROM and wins over an ARG of the same
        name; an ARG lives in its own stage only: `ARG NAME` takes the build-arg, else the global
        ARG's value; `ARG NAME=x` takes the build-arg, else x. Unknown variables are left out, so
        the caller can tell it does not know rather than guess.
        """
        env: dict[str, str] = {}
        for s in reversed(self.doc.chain(stage)):
            args: dict[str, str] = {}
            for ins in s.instructions:
                if s is stage and ins.line >= line:
                    break
                if ins.cmd == "ARG":
                    for name, default in arg_pairs(ins):
                        value = self.build_args.get(name, default)
                        if value is None and name in self.doc.global_args:
                            value = self.doc.global_args[name]
                        if value is not None:
                            args[name] = substitute(value, {**args, **env})[0]
                elif ins.cmd == "ENV":
                    for name, value in _pairs(ins):
                        env[name] = substitute(value.strip("\"'"), {**args, **env})[0]
        return {**args, **env}


def _f(ctx: LintContext, rule: str, line: int | None, stage: Stage | None, detail: str) -> Finding:
    return make(rule, ctx.doc.path, line, stage.label if stage else None, detail)


def base_rules(ctx: LintContext) -> Iterator[Finding]:
    """DG101 (tag), DG102 (digest), DG103 (full-size base of the shipped stage)."""
    for stage in ctx.doc.stages:
        if stage.parent is not None or stage.base.lower() == "scratch" or stage.unresolved:
            continue
        ref = parse_ref(stage.base)  # validated by the parser
        if not ref.digest and (ref.tag is None or ref.tag == "latest"):
            how = "uses the `latest` tag" if ref.tag else "has no version tag"
            yield _f(ctx, "DG101", stage.from_line, stage, f"{stage.base} {how}")
        if not ref.digest:
            yield _f(ctx, "DG102", stage.from_line, stage, f"{stage.base} is not pinned by digest")
        if stage.index in ctx.shipped and is_full_size(ref):
            yield _f(
                ctx, "DG103", stage.from_line, stage, f"shipped stage is built on full-size {stage.base}"
            )


def _chain_instructions(ctx: LintContext, cmd: str) -> list[tuple[Stage, Instruction]]:
    """Instructions `cmd` of the shipped chain in build order (base stage first)."""
    if ctx.final is None:
        return []
    return [(s, i) for s in reversed(ctx.doc.chain(ctx.final)) for i in s.instructions if i.cmd == cmd]


def user_rule(ctx: LintContext) -> Iterator[Finding]:
    """DG105: the shipped chain ends as root (no USER, or the last USER is root/0)."""
    if ctx.final is None:
        return
    users = _chain_instructions(ctx, "USER")
    if not users:
        yield _f(
            ctx, "DG105", ctx.final.from_line, ctx.final, "the shipped stage has no USER, so it runs as root"
        )
        return
    stage, last = users[-1]
    user, known = substitute(last.args[0], ctx.variables_before(stage, last.line))
    user = user.split(":", 1)[0].strip().strip("\"'")
    if known and user in ("root", "0"):
        yield _f(ctx, "DG105", last.line, stage, f"the last USER of the shipped stage is {user}")


def healthcheck_rule(ctx: LintContext) -> Iterator[Finding]:
    """DG106: no HEALTHCHECK in the shipped chain (HEALTHCHECK NONE is a deliberate choice)."""
    if ctx.final is not None and not _chain_instructions(ctx, "HEALTHCHECK"):
        yield _f(ctx, "DG106", ctx.final.from_line, ctx.final, "the shipped stage has no HEALTHCHECK")


def _pairs(ins: Instruction) -> list[tuple[str, str]]:
    if ins.cmd == "ARG":
        return [(k, v) for k, _, v in (a.partition("=") for a in ins.args) if _ or v]
    args = list(ins.args)
    return list(zip(args[0::2], args[1::2], strict=False))


def secret_rule(ctx: LintContext) -> Iterator[Finding]:
    """DG107: ENV/ARG (global ARGs included) whose literal value looks like a secret."""
    scopes: list[tuple[Stage | None, list[Instruction]]] = [(None, ctx.doc.preamble)]
    scopes += [(stage, stage.instructions) for stage in ctx.doc.stages]
    for stage, instructions in scopes:
        for ins in instructions:
            if ins.cmd not in ("ENV", "ARG"):
                continue
            for name, value in _pairs(ins):
                reason = secret_reason(name, value.strip("\"'"))
                if reason:
                    yield _f(ctx, "DG107", ins.line, stage, f"{ins.cmd} {reason}")


def instruction_rules(ctx: LintContext) -> Iterator[Finding]:
    """DG108 (ADD), DG109 (shell-form CMD/ENTRYPOINT), DG119 (relative WORKDIR), DG120, DG122."""
    for stage in ctx.doc.stages:
        seen: dict[str, int] = {}
        for ins in stage.instructions:
            if ins.cmd == "ADD":
                yield from _add(ctx, stage, ins)
            elif ins.cmd in ("CMD", "ENTRYPOINT"):
                if not ins.json:
                    yield _f(ctx, "DG109", ins.line, stage, f"{ins.cmd} uses the shell form")
                seen[ins.cmd] = seen.get(ins.cmd, 0) + 1
                if seen[ins.cmd] > 1:
                    yield _f(ctx, "DG120", ins.line, stage, f"this stage has more than one {ins.cmd}")
            elif ins.cmd == "WORKDIR":
                target = ins.args[0].strip("\"'")
                if not target.startswith(("/", "$")) and not (len(target) > 1 and target[1] == ":"):
                    yield _f(ctx, "DG119", ins.line, stage, f"WORKDIR {target} is relative")
            elif ins.cmd == "MAINTAINER":
                yield _f(ctx, "DG122", ins.line, stage, "MAINTAINER is deprecated")


def _add(ctx: LintContext, stage: Stage, ins: Instruction) -> Iterator[Finding]:
    sources = [a for a in ins.args[:-1] if not a.startswith("<<")]
    if any(s.startswith(("http://", "https://", "git@")) or s.endswith(".git") for s in sources):
        yield _f(ctx, "DG108", ins.line, stage, "ADD fetches a remote URL")
    elif any(not s.lower().endswith(_ARCHIVES) for s in sources) and ins.flag("from") is None:
        yield _f(ctx, "DG108", ins.line, stage, "ADD copies local files, which COPY does more predictably")


def _ignored(patterns: list[str], path: str) -> bool:
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        pat = pat.strip().lstrip("/").removeprefix("./").rstrip("/")
        candidates = {pat, pat[3:]} if pat.startswith("**/") else {pat}
        if pat in ("*", "**") or any(fnmatch.fnmatchcase(path, c) for c in candidates):
            excluded = not negate
    return excluded


def dockerignore_rule(ctx: LintContext) -> Iterator[Finding]:
    """DG117: the build context lacks a .dockerignore that excludes .git and .env."""
    if ctx.context is None or not ctx.doc.stages:
        return
    dockerfile_name = Path(ctx.doc.path).name
    candidates = [
        Path(ctx.doc.path).with_name(f"{dockerfile_name}.dockerignore"),
        ctx.context / ".dockerignore",
    ]
    found = next((p for p in candidates if p.is_file()), None)
    first = ctx.doc.stages[0]
    if found is None:
        yield _f(ctx, "DG117", first.from_line, first, f"build context {ctx.context} has no .dockerignore")
        return
    lines = found.read_text(encoding="utf-8", errors="replace").splitlines()
    patterns = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    missing = [p for p in (".git", ".env") if not _ignored(patterns, p)]
    if missing:
        yield _f(
            ctx, "DG117", first.from_line, first, f"{found.name} does not exclude {' and '.join(missing)}"
        )
