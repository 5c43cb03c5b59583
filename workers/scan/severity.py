"""Severity of an OSV record from its CVSS vectors, computed with the `cvss` library.

OSV carries vectors, not scores; the score is recomputed so a tampered or stale number cannot
slip through. CVSS v4 is preferred over v3 over v2; without a vector, the advisory database's own
label (GHSA's ``database_specific.severity``) is used; otherwise the severity is ``unknown``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cvss import CVSS2, CVSS3, CVSS4, CVSSError

from workers.vulndb.store import VulnRecord

logger = logging.getLogger(__name__)

# Ascending; "unknown" ranks lowest so that only `fail_on="unknown"` gates on it.
LEVELS = ("unknown", "none", "low", "medium", "high", "critical")
LEVEL_RANK = {level: index for index, level in enumerate(LEVELS)}
_LABELS = {"moderate": "medium", "important": "high"}


@dataclass(frozen=True)
class Severity:
    level: str
    score: float | None = None
    vector: str | None = None

    @property
    def rank(self) -> int:
        return LEVEL_RANK[self.level]


def level_rank(level: str) -> int:
    """Rank of a severity name (case-insensitive); raises ValueError naming the valid ones."""
    name = _LABELS.get(level.lower(), level.lower())
    if name not in LEVELS:
        raise ValueError(f"unknown severity {level!r}; use one of {', '.join(LEVELS)}")
    return LEVELS.index(name)


def _from_score(score: float) -> str:
    if score == 0:
        return "none"
    if score < 4:
        return "low"
    if score < 7:
        return "medium"
    return "high" if score < 9 else "critical"


def _compute(kind: str, vector: str) -> Severity | None:
    try:
        if kind == "CVSS_V4":
            v4 = CVSS4(vector)
            return Severity(str(v4.severity).lower(), float(v4.base_score), vector)
        if kind == "CVSS_V3":
            v3 = CVSS3(vector)
            return Severity(str(v3.severities()[0]).lower(), float(v3.scores()[0]), vector)
        if kind == "CVSS_V2":
            score = float(CVSS2(vector).scores()[0])
            return Severity(_from_score(score), score, vector)
    except (CVSSError, ValueError, KeyError):
        logger.debug("ignoring malformed %s vector %r", kind, vector)
    return None


def of_record(record: VulnRecord) -> Severity:
    """The best severity the record supports."""
    by_kind = {str(s.get("type")): str(s.get("score")) for s in record.severity if isinstance(s, dict)}
    for kind in ("CVSS_V4", "CVSS_V3", "CVSS_V2"):
        if kind in by_kind:
            computed = _compute(kind, by_kind[kind])
            if computed is not None:
                return computed
    if record.db_severity:
        label = _LABELS.get(record.db_severity.lower(), record.db_severity.lower())
        if label in LEVELS:
            return Severity(label)
    return Severity("unknown")
