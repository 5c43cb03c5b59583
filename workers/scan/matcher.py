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
from workers.vulndb.store import VulnDB

_ID_PREFERENCE = ("CVE-", "GHSA-")  # least preferred last: native ids (PYSEC, GO, DSA...) win


def _prefer(vid: str) -> tuple[int, str]:
    for rank, prefix in enumerate(reversed(_ID_PREFERENCE)):
        if vid.startswith(prefix):
            return (-rank, vid)
    return (-len(_ID_PREFERENCE), vid)


Prepared = tuple[str, list[ParsedRange | str], bool, frozenset[str], bool]


def _package(db: VulnDB, ref: PackageRef) -> list[Prepared]:
    """(id, parsed ranges, git-only, versions[], has ranges) per entry, built once per package."""
    cache: dict[tuple[str, str, str], list[Prepared]] = db.cache.setdefault("packages", {})
    key = (ref.ecosystem, ref.name, ref.release)
    hit = cache.get(key)
    if hit is None:
        ecosystem = ref.ecosystem
        exact = supported(ecosystem)
        hit = []
        for row in db.affected(*key):
            ranges, git = prepare(row.ranges, lambda t: version_key(ecosystem, t)) if exact else ([], False)
            hit.append((row.vuln_id, ranges, git, row.versions, bool(row.ranges)))
        cache[key] = hit
    return hit


def _hits(db: VulnDB, ref: PackageRef, skipped: list[Skipped]) -> list[tuple[str, Verdict]]:
    entries = _package(db, ref)
    if not entries:
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
    for vuln_id, ranges, git, versions, has_ranges in entries:
        if key is None:  # no comparator or invalid version: exact enumerations still count
            if normalised in versions or ref.version in versions:
                hits.append((vuln_id, Verdict(True, "versions")))
            elif not supported(ref.ecosystem) and has_ranges:
                skipped.append(Skipped(ref.purl, f"no exact {ref.ecosystem} comparator", vuln_id))
            continue
        verdict = evaluate(ref.version, key, normalised, ranges, versions, git)
        if verdict.affected:
            hits.append((vuln_id, verdict))
        elif verdict.skip_reason:
            skipped.append(Skipped(ref.purl, verdict.skip_reason, vuln_id))
    return hits


def _groups(db: VulnDB, vuln_ids: list[str]) -> list[list[str]]:
    """Union-find over ids and aliases: records that share any name are one vulnerability."""
    parent: dict[str, str] = {}

    def find(name: str) -> str:
        root = parent.setdefault(name, name)
        while root != parent[root]:
            root = parent[root]
        parent[name] = root
        return root

    for vid in vuln_ids:
        root = find(vid)
        for alias in db.vuln(vid).aliases:
            other = find(alias)
            if other != root:
                parent[other] = root
    groups: dict[str, list[str]] = {}
    for vid in vuln_ids:
        groups.setdefault(find(vid), []).append(vid)
    return list(groups.values())


def _severity(db: VulnDB, vuln_id: str) -> sev.Severity:
    cache: dict[str, sev.Severity] = db.cache.setdefault("severity", {})
    hit = cache.get(vuln_id)
    if hit is None:
        hit = cache[vuln_id] = sev.of_record(db.vuln(vuln_id))
    return hit


def _single(
    db: VulnDB, ref: PackageRef, ecosystem: str, vid: str, verdict: Verdict, routed_from: str
) -> Finding:
    record, worst = db.vuln(vid), _severity(db, vid)
    fixed = verdict.fixed if len(verdict.fixed) < 2 else _sort_fixed(ref.ecosystem, set(verdict.fixed))
    return Finding(
        vid, record.aliases, ref.purl, ecosystem, ref.name, ref.version, worst.level, worst.score,
        worst.vector, fixed, record.summary, record.references, verdict.matched_by, routed_from,
    )  # fmt: skip


def _sort_fixed(ecosystem: str, fixed: set[str]) -> tuple[str, ...]:
    if len(fixed) < 2:
        return tuple(fixed)
    try:
        return tuple(sorted(fixed, key=lambda v: version_key(ecosystem, v)))
    except (InvalidVersion, KeyError):
        return tuple(sorted(fixed))


def match(db: VulnDB, ref: PackageRef, skipped: list[Skipped], routed_from: str = "") -> list[Finding]:
    """Findings for one package, one per merged vulnerability."""
    hits = dict(_hits(db, ref, skipped))
    ecosystem = f"{ref.ecosystem}:{ref.release}" if ref.release else ref.ecosystem
    findings = []
    for members in _groups(db, list(hits)):
        if len(members) == 1:  # the common case: no other record shares an alias
            findings.append(_single(db, ref, ecosystem, members[0], hits[members[0]], routed_from))
            continue
        primary = min(members, key=_prefer)
        records = [db.vuln(primary), *(db.vuln(m) for m in members if m != primary)]
        names = {m for r in records for m in (r.id, *r.aliases)}
        names.discard(primary)
        worst = max((_severity(db, m) for m in members), key=lambda s: (s.rank, s.score or 0))
        fixed = {f for m in members for f in hits[m].fixed}
        summary = next((r.summary for r in records if r.summary), "")
        refs = (
            records[0].references
            if len(records) == 1
            else tuple(dict.fromkeys(u for r in records for u in r.references))
        )
        findings.append(
            Finding(
                primary, tuple(sorted(names)), ref.purl, ecosystem, ref.name, ref.version,
                worst.level, worst.score, worst.vector, _sort_fixed(ref.ecosystem, fixed), summary, refs,
                hits[primary].matched_by, routed_from,
            )
        )  # fmt: skip
    return findings
