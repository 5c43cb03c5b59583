"""DG2xx: rules on the built image (config, history, merged filesystem), tied to Dockerfile lines.

Reads the image only through the image reader's ImageFS (structurally typed below, so this
analyzer never imports docker). When the Dockerfile is given, every finding is mapped to the
instruction whose layer or history entry introduced it (see workers.lint.history).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from workers.lint.engine import apply_config
from workers.lint.findings import Finding, make
from workers.lint.history import align, base_boundary, shipped_instructions
from workers.lint.image_files import cache_findings, secret_files, setid_files, tool_files
from workers.lint.model import Instruction, parse
from workers.lint.render import IMAGE_PREFIX
from workers.lint.secrets import secret_reason, token_kind
from workers.repoconfig import DEFAULT_SIZE_BUDGET_MB, LintConfig


class LayerLike(Protocol):
    @property
    def diff_id(self) -> str: ...
    @property
    def created_by(self) -> str: ...
    @property
    def empty_layer(self) -> bool: ...
    @property
    def size(self) -> int: ...


class FileLike(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def mode(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def layer_index(self) -> int: ...


class ImageLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def config(self) -> dict[str, Any]: ...
    @property
    def layers(self) -> Sequence[LayerLike]: ...
    def files(self) -> Iterator[FileLike]: ...
    def read(self, path: str, limit: int = ...) -> bytes: ...


@dataclass(frozen=True)
class ImageContext:
    """What the DG2xx rules need: where findings point and which layers are the base's."""

    path: str
    stage: str | None
    history: dict[int, Instruction]  # index into image.layers -> instruction that made it
    base_layers: frozenset[int]  # indices of the base image's layers
    final_from: int | None
    instructions: tuple[Instruction, ...]
    suppressions: dict[int, frozenset[str]] = field(default_factory=dict)  # `# dockgate: ignore=`

    def line_of_layer(self, index: int) -> int | None:
        ins = self.history.get(index)
        return ins.line if ins else None

    def last_line(self, cmd: str, fallback_final: bool = True) -> int | None:
        lines = [i.line for i in self.instructions if i.cmd == cmd]
        return lines[-1] if lines else (self.final_from if fallback_final else None)

    def finding(self, rule: str, line: int | None, detail: str) -> Finding:
        return make(rule, self.path, line, self.stage, detail)


def inner_config(image: ImageLike) -> dict[str, Any]:
    """The runtime config whether given the whole OCI config or docker inspect's shape."""
    cfg = image.config
    inner = cfg.get("config") or cfg.get("Config")
    return inner if isinstance(inner, dict) else cfg


def _context(image: ImageLike, dockerfile: Path | None, target: str | None) -> ImageContext:
    created = [layer.created_by for layer in image.layers]
    if dockerfile is None:
        return ImageContext(f"{IMAGE_PREFIX}{image.name}", None, {}, frozenset(), None, ())
    doc = parse(dockerfile.read_text(encoding="utf-8", errors="replace"), str(dockerfile))
    instructions = shipped_instructions(doc, target)
    history = align(created, instructions)
    boundary = base_boundary(created, history)
    base = frozenset(range(boundary))
    final = doc.final(target)
    return ImageContext(
        str(dockerfile), final.label if final else None, history, base,
        final.from_line if final else None, tuple(instructions), doc.suppressions,
    )  # fmt: skip


def config_rules(image: ImageLike, ctx: ImageContext) -> Iterator[Finding]:
    """DG201 root user, DG202 no health check, DG203 secrets in Env and history."""
    cfg = inner_config(image)
    user = str(cfg.get("User") or "").split(":", 1)[0]
    if user in ("", "root", "0"):
        yield ctx.finding("DG201", ctx.last_line("USER"), f"the image runs as {user or 'root (no User set)'}")
    if not cfg.get("Healthcheck"):
        yield ctx.finding("DG202", ctx.final_from, "the image config has no Healthcheck")
    for entry in cfg.get("Env") or []:
        name, _, value = str(entry).partition("=")
        reason = secret_reason(name, value)
        if reason:
            env_lines = [i.line for i in ctx.instructions if i.cmd in ("ENV", "ARG") and name in i.original]
            yield ctx.finding("DG203", env_lines[-1] if env_lines else None, f"image Env: {reason}")
    for index, layer in enumerate(image.layers):
        reason = _history_secret(layer.created_by)
        if reason and not layer.created_by.lstrip().startswith(("/bin/sh -c #(nop)  ENV", "ENV ")):
            ins = ctx.history.get(index)
            yield ctx.finding("DG203", ins.line if ins else None, f"image history: {reason}")


def _history_secret(created_by: str) -> str | None:
    kind = token_kind(created_by)
    if kind:
        return f"a build step contains a value in {kind} format"
    for name, value in re.findall(r"(?:^|\s|\|\d+\s)([A-Za-z_][A-Za-z0-9_]*)=(\S+)", created_by):
        reason = secret_reason(name, value)
        if reason:
            return f"a build step sets {reason.split(' is ', 1)[0]} to a literal value"
    return None


def check_image(
    image: ImageLike,
    dockerfile: Path | None,
    *,
    target: str | None = None,
    config: LintConfig | None = None,
    size_budget_mb: int = DEFAULT_SIZE_BUDGET_MB,
) -> list[Finding]:
    """Every DG2xx rule on `image`; `dockerfile` (the one it was built from) maps findings to lines."""
    ctx = _context(image, dockerfile, target)
    findings = list(config_rules(image, ctx))
    files = list(image.files())
    findings += secret_files(image, files, ctx)
    findings += setid_files(files, ctx)
    findings += cache_findings(files, ctx)
    findings += tool_files(files, ctx)
    total = sum(layer.size for layer in image.layers) or sum(f.size for f in files)
    if total > size_budget_mb * 1024 * 1024:
        detail = f"the image is {total / 1048576:.0f} MB, over its {size_budget_mb} MB budget"
        findings.append(ctx.finding("DG206", ctx.final_from, detail))
    return apply_config(findings, config, ctx.suppressions)
