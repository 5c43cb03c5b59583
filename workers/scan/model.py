"""The scan's result values: findings, suppressions, skips and the report that holds them.

All frozen: a report is evidence that gets signed, so nothing may change it after the scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Suppression:
    """Why a finding does not count: a VEX statement or a scoped exception."""

    kind: str  # "vex" or "exception"
    status: str  # VEX status, or "accepted" for an exception
    justification: str
    source: str = ""
    owner: str = ""
    expires: str = ""

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass(frozen=True)
class Finding:
    """One vulnerability (aliases merged) in one component."""

    id: str
    aliases: tuple[str, ...]
    purl: str
    ecosystem: str
    package: str
    version: str
    severity: str
    score: float | None
    vector: str | None
    fixed_versions: tuple[str, ...]
    summary: str
    references: tuple[str, ...]
    matched_by: str
    routed_from: str = ""
    suppressed_by: Suppression | None = None

    @property
    def ids(self) -> frozenset[str]:
        return frozenset((self.id, *self.aliases))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "aliases": list(self.aliases), "purl": self.purl,
            "ecosystem": self.ecosystem, "package": self.package, "version": self.version,
            "severity": self.severity, "score": self.score, "vector": self.vector,
            "fixed_versions": list(self.fixed_versions), "summary": self.summary,
            "references": list(self.references), "matched_by": self.matched_by,
        }  # fmt: skip
        if self.routed_from:
            out["routed_from"] = self.routed_from
        if self.suppressed_by is not None:
            out["suppressed_by"] = self.suppressed_by.to_dict()
        return out


@dataclass(frozen=True)
class Skipped:
    """A component (or one record for it) that could not be checked, and why."""

    purl: str
    reason: str
    vuln_id: str = ""

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass(frozen=True)
class Routed:
    """A language package matched against its owning OS package's distro data instead."""

    purl: str
    owner: str  # the owner's purl, or "" when only its install path showed distro ownership

    def to_dict(self) -> dict[str, str]:
        return {"purl": self.purl, "owner": self.owner or "(distro-owned path)"}


@dataclass(frozen=True)
class ScanReport:
    """What one scan found, against which database snapshot."""

    db: dict[str, Any]
    findings: tuple[Finding, ...]
    suppressed: tuple[Finding, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    routed: tuple[Routed, ...] = ()
    components: int = 0
    started_on: str = ""
    finished_on: str = ""
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The `--format json` document (also the baseline format and the predicate's result)."""
        from workers.scan.output import report_json

        return report_json(self)

    def to_sarif(self, artifact_uri: str = "sbom.cdx.json") -> dict[str, Any]:
        from workers.scan.output import report_sarif

        return report_sarif(self, artifact_uri)

    def to_predicate(self) -> dict[str, Any]:
        """cosign's `https://cosign.sigstore.dev/attestation/vuln/v1` predicate."""
        from workers.scan.output import report_predicate

        return report_predicate(self)
