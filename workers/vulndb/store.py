"""Read access to a built vulnerability database: package lookups and its snapshot identity.

Opened read-only (``mode=ro``), so a scan can never modify the file an import will replace.
Lookups are cached per (ecosystem, name): a warm scanner answers a 10,000-component SBOM from
memory after the first pass.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from attestations.errors import DockgateError
from workers.vulndb.schema import SCHEMA_VERSION


class VulnDBError(DockgateError):
    """The vulnerability database is missing, unreadable, of another schema, or too old."""


@dataclass(frozen=True)
class SourceSnapshot:
    """One imported source: where it came from and exactly which data it was."""

    name: str
    sha256: str
    records: int
    newest_modified: str | None
    imported_at: str


@dataclass(frozen=True)
class Snapshot:
    """The identity of a database, printed with every report."""

    path: str
    schema_version: str
    built_at: str
    sources: tuple[SourceSnapshot, ...]

    @property
    def newest_modified(self) -> str | None:
        """The newest record `modified` over all sources: how current the data is."""
        dates = [s.newest_modified for s in self.sources if s.newest_modified]
        return max(dates) if dates else None

    def snapshot_time(self) -> datetime | None:
        newest = self.newest_modified
        return datetime.fromisoformat(newest.replace("Z", "+00:00")) if newest else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "schema_version": self.schema_version,
            "built_at": self.built_at,
            "snapshot": self.newest_modified,
            "records": sum(s.records for s in self.sources),
            "sources": [
                {"name": s.name, "sha256": s.sha256, "records": s.records,
                 "newest_modified": s.newest_modified, "imported_at": s.imported_at}
                for s in self.sources
            ],
        }  # fmt: skip


@dataclass(frozen=True)
class AffectedRow:
    """One `affected[]` entry as stored: what the range algorithm needs."""

    vuln_id: str
    release: str
    ranges: tuple[dict[str, Any], ...]
    versions: frozenset[str]


@dataclass(frozen=True)
class VulnRecord:
    """What a finding shows about one OSV record."""

    id: str
    summary: str
    aliases: tuple[str, ...]
    severity: tuple[dict[str, str], ...]
    db_severity: str | None
    references: tuple[str, ...]
    modified: str | None
    published: str | None


class VulnDB:
    """A read-only handle on one database file (see :func:`open_db`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise VulnDBError(
                f"{path} is not a dockgate vulnerability database: build one with `dockgate vulndb import`"
            ) from exc
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise VulnDBError(
                f"{path} has schema {meta.get('schema_version')}; rebuild it with this dockgate"
            )
        self._meta = meta
        self._affected: dict[tuple[str, str], list[AffectedRow]] = {}
        self._vulns: dict[str, VulnRecord] = {}
        self.cache: dict[str, Any] = {}  # scan-side memo (parsed ranges), lives as long as the handle

    def close(self) -> None:
        self._db.close()

    def snapshot(self) -> Snapshot:
        rows = self._db.execute(
            "SELECT name, sha256, records, newest_modified, imported_at FROM source ORDER BY name"
        ).fetchall()
        return Snapshot(
            str(self.path), self._meta["schema_version"], self._meta.get("built_at", ""),
            tuple(SourceSnapshot(*row) for row in rows),
        )  # fmt: skip

    def affected(self, ecosystem: str, name: str, release: str | None = None) -> list[AffectedRow]:
        """Non-withdrawn `affected[]` entries for a package; all releases unless `release` is given."""
        if release is not None:
            return [row for row in self.affected(ecosystem, name) if row.release == release]
        key = (ecosystem, name)
        cached = self._affected.get(key)
        if cached is None:
            rows = self._db.execute(
                "SELECT a.vuln_id, a.release, a.ranges, a.versions FROM affected a JOIN vuln v"
                " ON v.id = a.vuln_id WHERE a.ecosystem = ? AND a.name = ? AND v.withdrawn IS NULL",
                key,
            ).fetchall()
            cached = [
                AffectedRow(vid, release, tuple(json.loads(ranges)), frozenset(json.loads(versions)))
                for vid, release, ranges, versions in rows
            ]
            self._affected[key] = cached
        return cached

    def vuln(self, vuln_id: str) -> VulnRecord:
        cached = self._vulns.get(vuln_id)
        if cached is None:
            row = self._db.execute(
                "SELECT id, summary, aliases, severity, db_severity, refs, modified, published"
                " FROM vuln WHERE id = ?",
                (vuln_id,),
            ).fetchone()
            if row is None:
                raise VulnDBError(f"{vuln_id} is not in {self.path}")
            vid, summary, aliases, severity, db_sev, refs, modified, published = row
            cached = VulnRecord(
                vid, summary, tuple(json.loads(aliases)), tuple(json.loads(severity)), db_sev,
                tuple(r for r in json.loads(refs) if r), modified, published,
            )  # fmt: skip
            self._vulns[vuln_id] = cached
        return cached

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM vuln").fetchone()[0])


def open_db(path: str | Path) -> VulnDB:
    """Open a database built by `dockgate vulndb import`; raises VulnDBError with the fix."""
    db_path = Path(path).expanduser()
    if not db_path.is_file():
        raise VulnDBError(
            f"vulnerability database {db_path} not found: build it with "
            "`dockgate vulndb import PATH... --db FILE` or set DOCKGATE_VULNDB"
        )
    return VulnDB(db_path)
