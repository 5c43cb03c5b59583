"""Match one component against the database: the OSV algorithm per record, aliases merged.

Parsed ranges are cached on the database handle, so each record's events are sorted once per
process however many components meet it. Records of one vulnerability published by several
databases (PYSEC ↔ GHSA ↔ CVE) are merged into one finding under the ecosystem-native id.
"""

from __future__ import annotations

from typing import Any

from workers.scan import severity as sev
from workers.scan.model import Finding, Skipped
from workers.scan.osvrange import ParsedRange, Verdict, evaluate, prepare
from workers.scan.purls import PackageRef
from workers.scan.versions import InvalidVersion, normalise, supported, version_key
from workers.vulndb.store import AffectedRow, VulnDB

_ID_PREFERENCE = ("CVE-", "GHSA-")  # least preferred last: native ids (PYSEC, GO, DSA...) win


def _prefer(vid: str) -> tuple[int, str]:
    for rank, prefix in enumerate(reversed(_ID_PREFERENCE)):
        if vid.startswith(prefix):
            return (-rank, vid)
    return (-len(_ID_PREFERENCE), vid)


def _prepared(db: VulnDB, row: AffectedRow, ecosystem: str) -> tuple[list[ParsedRange | str], bool]:
    cache: dict[int, tuple[list[ParsedRange | str], bool]] = db.cache.setdefault("ranges", {})
    hit = cache.get(id(row))
    if hit is None:
        hit = prepare(row.ranges, lambda text: version_key(ecosystem, text))
        cache[id(row)] = hit
    return hit


def _hits(db: VulnDB, ref: PackageRef, skipped: list[Skipped]) -> list[tuple[str, Verdict]]:
    rows = [r for r in db.affected(ref.ecosystem, ref.name) if r.release == ref.release]
    if not rows:
        return []
    normalised = normalise(ref.ecosystem, ref.version)
    key: Any = None
    if supported(ref.ecosystem):
        try:
            key = version_key(ref.ecosystem, ref.version)
        except InvalidVersion as exc:
            reason = f"installed version not comparable ({exc}); only exact versions[] lists checked"
            skipped.append(Skipped(ref.purl, reason))
    hits = []
    for row in rows:
        if key is None:  # no comparator or invalid version: exact enumerations still count
            if normalised in row.versions or ref.version in row.versions:
                hits.append((row.vuln_id, Verdict(True, "versions")))
            elif not supported(ref.ecosystem) and row.ranges:
                skipped.append(Skipped(ref.purl, f"no exact {ref.ecosystem} comparator", row.vuln_id))
            continue
        ranges, git = _prepared(db, row, ref.ecosystem)
        verdict = evaluate(ref.version, key, normalised, ranges, row.versions, git)
        if verdict.affected:
            hits.append((row.vuln_id, verdict))
        elif verdict.skip_reason:
            skipped.append(Skipped(ref.purl, verdict.skip_reason, row.vuln_id))
    return hits


def _groups(db: VulnDB, vuln_ids: list[str]) -> list[list[str]]:
    """Union the hit records whose ids or aliases overlap."""
    groups: list[tuple[set[str], list[str]]] = []
    for vid in vuln_ids:
        names = {vid, *db.vuln(vid).aliases}
        merged = [g for g in groups if g[0] & names]
        for group in merged:
            groups.remove(group)
            names |= group[0]
        members = [m for g in merged for m in g[1]] + [vid]
        groups.append((names, members))
    return [members for _, members in groups]


def _sort_fixed(ecosystem: str, fixed: set[str]) -> tuple[str, ...]:
    try:
        return tuple(sorted(fixed, key=lambda v: version_key(ecosystem, v)))
    except (InvalidVersion, KeyError):
        return tuple(sorted(fixed))


def match(db: VulnDB, ref: PackageRef, skipped: list[Skipped], routed_from: str = "") -> list[Finding]:
    """Findings for one package, one per merged vulnerability."""
    hits = dict(_hits(db, ref, skipped))
    findings = []
    for members in _groups(db, list(hits)):
        records = [db.vuln(m) for m in members]
        names = {m for r in records for m in (r.id, *r.aliases)}
        primary = min(members, key=_prefer)
        worst = max((sev.of_record(r) for r in records), key=lambda s: (s.rank, s.score or 0))
        fixed = {f for m in members for f in hits[m].fixed}
        summary = next((r.summary for r in sorted(records, key=lambda r: r.id != primary) if r.summary), "")
        refs = tuple(dict.fromkeys(u for r in records for u in r.references))
        ecosystem = f"{ref.ecosystem}:{ref.release}" if ref.release else ref.ecosystem
        findings.append(
            Finding(
                primary, tuple(sorted(names - {primary})), ref.purl, ecosystem, ref.name, ref.version,
                worst.level, worst.score, worst.vector, _sort_fixed(ref.ecosystem, fixed), summary, refs,
                hits[primary].matched_by, routed_from,
            )
        )  # fmt: skip
    return findings
