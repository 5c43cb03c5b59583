"""Findings as text, JSON (`{"findings": [...]}`) and SARIF 2.1.0 for GitHub code scanning.

SARIF: one run, the rule table as `tool.driver.rules` (with help text), results referencing rules
by index, repository-relative URIs with `%SRCROOT%`, and partial fingerprints so code scanning
tracks a finding across commits. The output is checked against the OASIS SARIF 2.1.0 schema in
tests/unit/lint/test_sarif_schema.py.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from workers.lint.findings import RULES, Finding

IMAGE_PREFIX = "image:"  # path of image findings made without their Dockerfile (see image_rules)
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_SECURITY = {"DG105", "DG107", "DG116", "DG118", "DG123", "DG201", "DG203", "DG204", "DG205"}


def to_text(findings: Sequence[Finding]) -> str:
    lines = [
        f"{f.path}:{f.line or '-'} {f.rule} {f.level}: {f.message}" + (f" Fix: {f.fix}" if f.fix else "")
        for f in findings
    ]
    return "\n".join(lines) + ("\n" if lines else "")


def to_json(findings: Sequence[Finding]) -> str:
    return json.dumps({"findings": [f.as_dict() for f in findings]}, indent=2) + "\n"


def _artifact(path: str, root: Path | None) -> dict[str, str]:
    """A SARIF artifactLocation: repository-relative (with %SRCROOT%) when the file is under
    `root`, else an absolute `file:` URI; percent-encoded either way."""
    p = Path(path)
    if root is not None:
        try:
            return {
                "uri": quote(p.resolve().relative_to(root.resolve()).as_posix()),
                "uriBaseId": "%SRCROOT%",
            }
        except ValueError:
            pass
    if p.is_absolute():
        return {"uri": p.as_uri()}
    return {"uri": quote(p.as_posix()), "uriBaseId": "%SRCROOT%"}


def _location(f: Finding, root: Path | None) -> dict[str, Any]:
    """Where a result is: a file (with a region only when the line is known) or, for an image
    finding made without its Dockerfile (path `image:NAME`), the image as a logical location:
    `image:NAME` is no file, and a file URI made of it would point nowhere."""
    if f.path.startswith(IMAGE_PREFIX):
        name = f.path[len(IMAGE_PREFIX) :]
        return {"logicalLocations": [{"name": name, "fullyQualifiedName": f.path, "kind": "module"}]}
    physical: dict[str, Any] = {"artifactLocation": _artifact(f.path, root)}
    if f.line is not None and f.line >= 1:
        physical["region"] = {"startLine": f.line}
    return {"physicalLocation": physical}


def to_sarif(
    findings: Sequence[Finding], *, root: Path | None = None, version: str = "0.1.0"
) -> dict[str, Any]:
    """A SARIF 2.1.0 log; `root` makes artifact URIs relative to the repository root."""
    rule_ids = sorted(RULES)
    rules = [
        {
            "id": rid,
            "name": rid,
            "shortDescription": {"text": RULES[rid].title},
            "fullDescription": {"text": RULES[rid].why},
            "help": {"text": RULES[rid].fix, "markdown": RULES[rid].fix},
            "defaultConfiguration": {"level": _SARIF_LEVEL[RULES[rid].level]},
            "properties": {"tags": ["security" if rid in _SECURITY else "best-practice", "dockerfile"]},
        }
        for rid in rule_ids
    ]
    results = []
    for f in findings:
        location = _location(f, root)
        physical = location.get("physicalLocation")
        where = physical["artifactLocation"]["uri"] if physical else f.path
        digest = hashlib.sha256(f"{f.rule}|{where}|{f.stage}|{f.message}".encode()).hexdigest()
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": rule_ids.index(f.rule),
                "level": _SARIF_LEVEL.get(f.level, "warning"),
                "message": {"text": f"{f.message} {f.fix}".strip()},
                "locations": [location],
                "partialFingerprints": {"dockgateFinding/v1": digest},
            }
        )
    driver = {"name": "dockgate", "version": version, "rules": rules}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }
