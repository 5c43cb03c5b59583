"""Renderings of a ScanReport: JSON, SARIF 2.1.0, cosign's vuln predicate and a text table.

The JSON document is the contract (CLI `--format json`, gate baselines, the predicate's
`result`); SARIF is for GitHub code scanning; the table is for people.
"""

from __future__ import annotations

import dataclasses
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workers.scan.model import ScanReport

SCANNER_NAME = "dockgate-scan"
SCANNER_URI = "https://github.com/dockgate/dockgate/tree/main/workers/scan"
PREDICATE_TYPE = "https://cosign.sigstore.dev/attestation/vuln/v1"
_SARIF_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def scanner_version() -> str:
    try:
        return version("dockgate")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "0.0.0"


def report_json(report: ScanReport) -> dict[str, Any]:
    return {
        "scanner": {"name": SCANNER_NAME, "version": scanner_version()},
        "db": report.db,
        "components": report.components,
        "findings": [f.to_dict() for f in report.findings],
        "suppressed": [f.to_dict() for f in report.suppressed],
        "skipped": [s.to_dict() for s in report.skipped],
        "routed": [r.to_dict() for r in report.routed],
        "notes": list(report.notes),
        "started_on": report.started_on,
        "finished_on": report.finished_on,
    }


def report_sarif(report: ScanReport, artifact_uri: str) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for finding in report.findings:
        rules.setdefault(
            finding.id,
            {
                "id": finding.id,
                "shortDescription": {"text": finding.summary or finding.id},
                "helpUri": finding.references[0] if finding.references else None,
                "properties": {"aliases": list(finding.aliases), "severity": finding.severity}
                | ({"security-severity": f"{finding.score:.1f}"} if finding.score is not None else {}),
            },
        )
        fix = f"; fixed in {', '.join(finding.fixed_versions)}" if finding.fixed_versions else "; no fix yet"
        results.append(
            {
                "ruleId": finding.id,
                "level": _SARIF_LEVEL.get(finding.severity, "warning"),
                "message": {"text": f"{finding.purl} is affected by {finding.id} ({finding.severity}){fix}"},
                "locations": [
                    {
                        "physicalLocation": {"artifactLocation": {"uri": artifact_uri}},
                        "logicalLocations": [{"name": finding.purl, "kind": "package"}],
                    }
                ],
                "partialFingerprints": {"finding/v1": f"{finding.id}:{finding.ecosystem}:{finding.package}"},
            }
        )
    for rule in rules.values():
        if rule["helpUri"] is None:
            del rule["helpUri"]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": SCANNER_NAME,
                        "version": scanner_version(),
                        "informationUri": SCANNER_URI,
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
                "properties": {"db": report.db},
            }
        ],
    }


def _db_version(db: dict[str, Any]) -> str:
    digests = ",".join(str(s["sha256"])[:12] for s in db.get("sources", ()))
    return f"{db.get('snapshot') or 'unknown'} ({digests})"


def public_db(db: dict[str, Any]) -> dict[str, Any]:
    """The DB identity without this host's file paths (signed attestations are public): sources
    keep their last two path parts and their sha256, which identifies the data exactly."""
    out = {k: v for k, v in db.items() if k != "path"}
    out["sources"] = [
        {**source, "name": _public_name(str(source.get("name", "")))} for source in db.get("sources", ())
    ]
    return out


def _public_name(name: str) -> str:
    if "://" in name or not name.startswith("/"):
        return name
    outer, bang, inner = name.partition("!")
    return "/".join(outer.rstrip("/").split("/")[-2:]) + bang + inner


def report_predicate(report: ScanReport) -> dict[str, Any]:
    """The in-toto predicate of type `PREDICATE_TYPE` (cosign's CosignVulnPredicate shape)."""
    report = dataclasses.replace(report, db=public_db(report.db))
    return {
        "invocation": {"parameters": None, "uri": "", "event_id": "", "builder.id": ""},
        "scanner": {
            "uri": SCANNER_URI,
            "version": scanner_version(),
            "db": {
                "uri": "osv:" + ";".join(str(s["name"]) for s in report.db.get("sources", ())),
                "version": _db_version(report.db),
            },
            "result": report_json(report),
        },  # fmt: skip
        "metadata": {"scanStartedOn": report.started_on, "scanFinishedOn": report.finished_on},
    }


def report_table(report: ScanReport) -> str:
    """Aligned plain-text table, worst first, with the DB snapshot on top."""
    lines = [
        f"vulnerability DB snapshot {report.db.get('snapshot') or 'unknown'}"
        f" ({report.db.get('records', 0)} records); {report.components} components scanned"
    ]
    rows = [("SEVERITY", "ID", "PACKAGE", "VERSION", "FIXED IN", "ALIASES")]
    for f in report.findings:
        pkg = f.package + (f" (via {f.routed_from})" if f.routed_from else "")
        rows.append((f.severity.upper(), f.id, pkg, f.version, ", ".join(f.fixed_versions) or "-",
                     ", ".join(f.aliases[:3])))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r[:5], widths, strict=False)) + "  " + r[5] for r in rows]
    lines.append(
        f"{len(report.findings)} findings, {len(report.suppressed)} suppressed, "
        f"{len(report.skipped)} skipped, {len(report.routed)} routed to distro data"
    )
    lines.extend(f"note: {n}" for n in report.notes)
    return "\n".join(lines)
