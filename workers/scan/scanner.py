"""`scan_bom`: a CycloneDX SBOM (ours or syft's, 1.4–1.6) against the offline database.

Components are de-duplicated by purl; language packages owned by an OS package are routed to
that package's distro data; VEX statements and unexpired exceptions then move findings to
`suppressed`. The database's snapshot travels with the report, and a database older than
`max_age` is refused so a stale air-gapped copy cannot pass as a clean bill of health.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from attestations.errors import UsageError
from workers.scan.imageref import ImageIdentity
from workers.scan.matcher import match
from workers.scan.model import Finding, Routed, ScanReport, Skipped, Suppression
from workers.scan.purls import Unmapped, owner_of, to_ref
from workers.scan.severity import LEVELS
from workers.scan.vex import ScanException, VexStatement, exception_applies, statement_applies
from workers.vulndb.store import VulnDB, VulnDBError

logger = logging.getLogger(__name__)
LANGUAGE_TYPES = frozenset({"pypi", "npm", "gem", "cargo", "golang", "maven", "composer", "nuget"})


def _components(items: Sequence[Any]) -> Iterator[dict[str, Any]]:
    for item in items:
        if isinstance(item, dict):
            yield item
            yield from _components(item.get("components") or ())


def check_age(db: VulnDB, now: datetime, max_age: timedelta | None) -> None:
    """Refuse a database whose newest record is older than `max_age`."""
    if max_age is None:
        return
    taken = db.snapshot().snapshot_time()
    if taken is None or now - taken > max_age:
        when = taken.date().isoformat() if taken else "unknown"
        raise VulnDBError(
            f"vulnerability database snapshot {when} is older than {max_age.days} days: refresh it with "
            "`dockgate vulndb update`/`import`, or accept it explicitly (--max-db-age 0)"
        )


def _suppress(
    finding: Finding,
    vex: Sequence[VexStatement],
    exceptions: Sequence[ScanException],
    now: datetime,
    image: ImageIdentity,
) -> Suppression | None:
    ids, purl = finding.ids, finding.routed_from or finding.purl
    for st in vex:
        if st.status in ("not_affected", "fixed") and (
            statement_applies(st, ids, purl, image) or statement_applies(st, ids, finding.purl, image)
        ):
            return Suppression("vex", st.status, st.justification or st.impact_statement, st.source)
    for ex in exceptions:
        if exception_applies(ex, ids, finding.purl, now.date()):
            return Suppression(
                "exception", "accepted", ex.reason, owner=ex.owner, expires=ex.expires.isoformat()
            )
    return None


def scan_bom(
    bom: Mapping[str, Any],
    db: VulnDB,
    *,
    vex: Sequence[VexStatement] = (),
    exceptions: Sequence[ScanException] = (),
    now: datetime | None = None,
    max_age: timedelta | None = None,
) -> ScanReport:
    """Scan one CycloneDX JSON document; see the module docstring for the rules."""
    if not isinstance(bom, Mapping) or bom.get("bomFormat") != "CycloneDX":
        raise UsageError("not a CycloneDX JSON SBOM (bomFormat is not 'CycloneDX')")
    now = now or datetime.now(UTC)
    check_age(db, now, max_age)
    started = datetime.now(UTC)
    skipped: list[Skipped] = []
    routed: list[Routed] = []
    queue: dict[str, str] = {}  # purl -> routed_from
    components = list(_components(bom.get("components") or ()))
    present = {str(c.get("purl")) for c in components if c.get("purl")}
    for component in components:
        purl = str(component.get("purl") or "")
        owner = owner_of(component) if purl.split("/", 1)[0][4:] in LANGUAGE_TYPES else None
        if owner is not None:  # the same purl may also sit outside the distro (e.g. pip in a venv)
            if Routed(purl, owner) not in routed:
                routed.append(Routed(purl, owner))
            if owner and owner not in present and owner not in queue:
                queue[owner] = purl
        elif purl and purl not in queue:
            queue[purl] = ""
    findings: list[Finding] = []
    for purl, routed_from in queue.items():
        try:
            ref = to_ref(purl)
        except Unmapped as exc:
            skipped.append(Skipped(purl, str(exc)))
            continue
        findings.extend(match(db, ref, skipped, routed_from))
    active, suppressed = [], []
    image = ImageIdentity.from_bom(bom)  # OpenVEX image products must name this image
    for finding in findings:
        why = _suppress(finding, vex, exceptions, now, image) if vex or exceptions else None
        if why is None:
            active.append(finding)
        else:
            suppressed.append(replace(finding, suppressed_by=why))
    notes = tuple(
        f"exception for {ex.vulnerability} (owner {ex.owner}) expired on {ex.expires.isoformat()}"
        for ex in exceptions
        if ex.expires < now.date()
    )
    order = _order
    logger.info(
        "scanned %d components: %d findings, %d suppressed, %d skipped, %d routed to distro data",
        len(components), len(active), len(suppressed), len(skipped), len(routed),
    )  # fmt: skip
    return ScanReport(
        db.snapshot().to_dict(), tuple(sorted(active, key=order)), tuple(sorted(suppressed, key=order)),
        tuple(skipped), tuple(routed), len(components), started.isoformat(timespec="seconds"),
        datetime.now(UTC).isoformat(timespec="seconds"), notes,
    )  # fmt: skip


_RANK = {level: -index for index, level in enumerate(LEVELS)}


def _order(finding: Finding) -> tuple[int, str, str]:
    return (_RANK[finding.severity], finding.purl, finding.id)


class Scanner(Protocol):
    """The pipeline's scanning stage: a CycloneDX document in, a frozen report out."""

    def scan(self, bom: Mapping[str, Any]) -> ScanReport: ...


@dataclass(frozen=True)
class OsvScanner:
    """The offline OSV backend of :class:`Scanner`, with the repository's VEX and exceptions."""

    db: VulnDB
    vex: Sequence[VexStatement] = ()
    exceptions: Sequence[ScanException] = ()
    max_age: timedelta | None = None

    def scan(self, bom: Mapping[str, Any]) -> ScanReport:
        return scan_bom(bom, self.db, vex=self.vex, exceptions=self.exceptions, max_age=self.max_age)
