"""Findings as text, JSON (`{"findings": [...]}`) and SARIF 2.1.0 for GitHub code scanning.

SARIF: one run, the rule table as `tool.driver.rules` (with help text), results referencing rules
by index, repository-relative URIs with `%SRCROOT%`, and partial fingerprints so code scanning
tracks a finding across commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workers.lint.findings import RULES, Finding

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


def _uri(path: str, root: Path | None) -> str:
    p = Path(path)
    if root is not None:
        try:
            p = p.resolve().relative_to(root.resolve())
        except ValueError:
            pass
    return p.as_posix()


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
        uri = _uri(f.path, root)
        region = {"startLine": max(1, f.line or 1)}
        digest = hashlib.sha256(f"{f.rule}|{uri}|{f.stage}|{f.message}".encode()).hexdigest()
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": rule_ids.index(f.rule),
                "level": _SARIF_LEVEL.get(f.level, "warning"),
                "message": {"text": f"{f.message} {f.fix}".strip()},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                            "region": region,
                        }
                    }
                ],
                "partialFingerprints": {"dockgateFinding/v1": digest},
            }
        )
    driver = {"name": "dockgate", "version": version, "rules": rules}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }
