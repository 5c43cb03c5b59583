"""The policy gate over a scan: severity threshold, fix availability, and new-only vs a baseline.

"New" means the vulnerability (any of its ids or aliases) was not reported for the same package
(ecosystem + name, any version) in the baseline — the last promoted image of the repository — so
upgrading a package that stays vulnerable to the same CVE does not count as new. Severity
``unknown`` (advisories without CVSS or label, e.g. Go's) ranks below ``low``: only
``fail_on="unknown"`` gates on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from attestations.errors import UsageError
from workers.scan.model import Finding, ScanReport
from workers.scan.severity import level_rank


@dataclass(frozen=True)
class GateResult:
    failed: bool
    reasons: list[str] = field(default_factory=list)


def check_baseline(doc: Any, source: str = "baseline report") -> Mapping[str, Any]:
    """`doc` if it has the shape of a `--format json` report; UsageError naming what is wrong."""
    if not isinstance(doc, Mapping):
        raise UsageError(f"{source} must be a JSON object (a `dockgate scan --format json` report)")
    for key in ("findings", "suppressed"):
        items = doc.get(key)
        if items is not None and (
            not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items)
        ):
            raise UsageError(f"{source}: `{key}` must be a list of finding objects")
    return doc


def baseline_keys(baseline: ScanReport | Mapping[str, Any]) -> set[tuple[str, str, str]]:
    """(ecosystem, package, id or alias) of every finding in a baseline report: what "known" means."""
    if isinstance(baseline, ScanReport):
        items = [f.to_dict() for f in (*baseline.findings, *baseline.suppressed)]
    else:
        check_baseline(baseline)
        items = [*(baseline.get("findings") or ()), *(baseline.get("suppressed") or ())]
    keys = set()
    for item in items:
        aliases = item.get("aliases")
        for vid in [item.get("id"), *(aliases if isinstance(aliases, list) else ())]:
            keys.add((str(item.get("ecosystem")), str(item.get("package")), str(vid)))
    return keys


def _is_new(finding: Finding, known: set[tuple[str, str, str]]) -> bool:
    return not any((finding.ecosystem, finding.package, vid) in known for vid in finding.ids)


def gate(
    report: ScanReport,
    *,
    fail_on: str,
    only_fixed: bool = False,
    baseline: ScanReport | Mapping[str, Any] | None = None,
) -> GateResult:
    """Fail when an unsuppressed finding meets every configured condition; say which and why."""
    try:
        threshold = level_rank(fail_on)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    known = baseline_keys(baseline) if baseline is not None else None
    reasons = []
    for finding in report.findings:
        if level_rank(finding.severity) < threshold:
            continue
        if only_fixed and not finding.fixed_versions:
            continue
        if known is not None and not _is_new(finding, known):
            continue
        fix = f", fixed in {finding.fixed_versions[0]}" if finding.fixed_versions else ", no fix available"
        new = " (new since baseline)" if known is not None else ""
        reasons.append(f"{finding.id} {finding.severity} in {finding.purl}{fix}{new}")
    return GateResult(bool(reasons), reasons)
