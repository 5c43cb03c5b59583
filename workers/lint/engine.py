"""Run the Dockerfile rules, then apply per-repo config and inline suppressions.

A Dockerfile that does not parse yields DG124 findings only: rules evaluated on a half-understood
file would produce noise, and the builder will reject it anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path

from workers.lint.findings import Finding, make
from workers.lint.model import Dockerfile, parse
from workers.lint.rules_run import run_rules
from workers.lint.rules_stage import (
    LintContext,
    base_rules,
    dockerignore_rule,
    healthcheck_rule,
    instruction_rules,
    secret_rule,
    user_rule,
)
from workers.repoconfig import LintConfig

logger = logging.getLogger(__name__)

RULE_FUNCTIONS: tuple[Callable[[LintContext], Iterator[Finding]], ...] = (
    base_rules,
    user_rule,
    healthcheck_rule,
    secret_rule,
    instruction_rules,
    run_rules,
    dockerignore_rule,
)


def apply_config(
    findings: Iterable[Finding],
    config: LintConfig | None,
    suppressions: dict[int, frozenset[str]] | None = None,
) -> list[Finding]:
    """Drop ignored/suppressed findings, re-level overridden ones, dedupe and sort."""
    out: dict[tuple[str, str, int | None, str], Finding] = {}
    for finding in findings:
        if suppressions and finding.line is not None and finding.rule in suppressions.get(finding.line, ()):
            continue
        level = config.level_for(finding.rule, finding.level) if config else finding.level
        if level is None:
            continue
        key = (finding.rule, finding.path, finding.line, finding.message)
        out.setdefault(key, replace(finding, level=level))
    return sorted(out.values(), key=Finding.sort_key)


def lint_model(
    doc: Dockerfile,
    *,
    target: str | None = None,
    context: Path | None = None,
    config: LintConfig | None = None,
    build_args: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Lint an already parsed Dockerfile; `build_args` are the `--build-arg`s the build passes."""
    if doc.errors:
        raw = [make("DG124", doc.path, line, None, f"does not parse: {msg}") for line, msg in doc.errors]
        return apply_config(raw, config)
    final = doc.final(target)
    if final is None:
        detail = f"target stage {target!r} is not defined in this Dockerfile"
        return apply_config([make("DG124", doc.path, None, None, detail)], config)
    shipped = frozenset(s.index for s in doc.chain(final))
    ctx = LintContext(doc, final, shipped, context, dict(build_args or {}))
    findings = [f for rule in RULE_FUNCTIONS for f in rule(ctx)]
    return apply_config(findings, config, doc.suppressions)


def lint_text(
    text: str,
    path: str = "Dockerfile",
    *,
    target: str | None = None,
    context: Path | None = None,
    config: LintConfig | None = None,
    build_args: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Lint Dockerfile text; never raises for bad input (DG124 instead)."""
    try:
        doc = parse(text.removeprefix("\ufeff"), path, build_args)
    except Exception as exc:  # the parser is foreign code: a crash there is still only DG124
        logger.warning("parser failed on %s: %s", path, exc)
        return apply_config([make("DG124", path, None, None, f"does not parse: {exc}")], config)
    return lint_model(doc, target=target, context=context, config=config, build_args=build_args)


def lint_dockerfile(
    path: Path,
    *,
    target: str | None = None,
    context: Path | None = None,
    config: LintConfig | None = None,
    build_args: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Lint the Dockerfile at `path`; `context` (the build context folder) enables DG117 and
    lets DG115 look for a lockfile; `build_args` (e.g. an image's `build_args`) feed ARGs."""
    text = path.read_text(encoding="utf-8", errors="replace")
    return lint_text(text, str(path), target=target, context=context, config=config, build_args=build_args)
