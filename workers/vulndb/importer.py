"""Build or extend the vulnerability database from OSV sources, atomically.

The new database is written beside the target under a temporary name and moved into place with
:func:`os.replace`, so scanners that hold the old file open keep a consistent snapshot and a
crashed import never leaves a half-written database behind. When the same id arrives twice
(e.g. a GHSA copied into two sources) the record with the newer ``modified`` wins.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workers.scan.versions import normalise
from workers.vulndb.names import normalise_name, split_ecosystem
from workers.vulndb.schema import DDL, SCHEMA_VERSION
from workers.vulndb.sources import read_source
from workers.vulndb.store import VulnDBError

logger = logging.getLogger(__name__)


@dataclass
class ImportStats:
    """What an import did, per source and in total (printed by `dockgate vulndb import`)."""

    records: int = 0
    indexed_packages: int = 0
    unindexed: int = 0  # records without any package (e.g. PSF's CPython advisories)
    withdrawn: int = 0
    invalid: int = 0  # records that parse but lack OSV's shape (also listed in `errors`)
    errors: list[str] = field(default_factory=list)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else str(value)


class InvalidRecord(ValueError):
    """A record that parses but does not have OSV's shape (e.g. `"affected": ["oops"]`)."""


def _list(record: dict[str, Any], key: str, kind: type | tuple[type, ...] = object) -> list[Any]:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, kind) for v in value):
        raise InvalidRecord(f"`{key}` is not a list" + ("" if kind is object else " of the expected items"))
    return value


def _affected_rows(vid: str, record: dict[str, Any]) -> list[tuple[str, ...]]:
    """The `affected` table rows of a record; raises InvalidRecord on a malformed entry."""
    rows: list[tuple[str, ...]] = []
    for index, affected in enumerate(_list(record, "affected", dict)):
        package = affected.get("package") or {}
        if not isinstance(package, dict):
            raise InvalidRecord(f"affected[{index}].package is not an object")
        try:
            raw_versions = _list(affected, "versions")
            ranges = [
                {"type": r.get("type"), "events": [{k: str(v) for k, v in e.items()} for e in events]}
                for r in _list(affected, "ranges", dict)
                for events in [_list(r, "events", dict)]
            ]
        except InvalidRecord as exc:
            raise InvalidRecord(f"affected[{index}]: {exc}") from None
        if not package.get("ecosystem") or not package.get("name"):
            continue
        base, release = split_ecosystem(str(package["ecosystem"]))
        versions = sorted({normalise(base, str(v)) for v in raw_versions})
        name = normalise_name(base, str(package["name"]))
        rows.append((vid, base, release, name, json.dumps(ranges), json.dumps(versions)))
    return rows


def _vuln_row(vid: str, source: str, record: dict[str, Any]) -> tuple[Any, ...]:
    aliases = sorted({str(a) for a in _list(record, "aliases", (str, int))} - {vid})
    details = record.get("details")
    summary = (
        record.get("summary") or (details if isinstance(details, str) else "").strip().split("\n", 1)[0][:200]
    )
    db_specific = record.get("database_specific")
    label = db_specific.get("severity") if isinstance(db_specific, dict) else None
    refs = [r.get("url") for r in _list(record, "references") if isinstance(r, dict)]
    return (
        vid, source, _text(record.get("modified")), _text(record.get("published")),
        _text(record.get("withdrawn")), str(summary), json.dumps(aliases),
        json.dumps(_list(record, "severity", dict)), label if isinstance(label, str) else None,
        json.dumps(refs),
    )  # fmt: skip


def _insert_record(db: sqlite3.Connection, source: str, record: dict[str, Any], stats: ImportStats) -> None:
    """Insert one record (replacing an older copy); raises InvalidRecord before touching the DB."""
    vid = record["id"]
    vuln_row = _vuln_row(vid, source, record)
    affected_rows = _affected_rows(vid, record)
    row = db.execute("SELECT modified FROM vuln WHERE id = ?", (vid,)).fetchone()
    if row is not None:
        if (row[0] or "") >= (vuln_row[2] or ""):
            return
        db.execute("DELETE FROM vuln WHERE id = ?", (vid,))
        db.execute("DELETE FROM affected WHERE vuln_id = ?", (vid,))
        db.execute("DELETE FROM alias WHERE vuln_id = ?", (vid,))
    db.execute("INSERT INTO vuln VALUES (?,?,?,?,?,?,?,?,?,?)", vuln_row)
    aliases = json.loads(vuln_row[6])
    db.executemany("INSERT INTO alias VALUES (?, ?)", [(a, vid) for a in [vid, *aliases]])
    db.executemany("INSERT INTO affected VALUES (?,?,?,?,?,?)", affected_rows)
    stats.records += 1
    stats.indexed_packages += len(affected_rows)
    stats.unindexed += not affected_rows
    stats.withdrawn += record.get("withdrawn") is not None


def _import_one(db: sqlite3.Connection, path: Path, name: str, stats: ImportStats) -> None:
    sha, files = read_source(path)
    count, newest = 0, ""
    for loaded in files:
        if loaded.error:
            stats.errors.append(f"{loaded.path}: {loaded.error}")
            continue
        for record in loaded.records:
            try:
                _insert_record(db, name, record, stats)
            except InvalidRecord as exc:
                stats.invalid += 1
                stats.errors.append(f"{loaded.path}: {record['id']}: invalid OSV record: {exc}")
                continue
            count += 1
            modified = _text(record.get("modified")) or ""
            if modified > newest and not modified.startswith("0001"):
                newest = modified
    db.execute(
        "INSERT OR REPLACE INTO source VALUES (?,?,?,?,?)",
        (name, sha, count, newest or None, datetime.now(UTC).isoformat(timespec="seconds")),
    )
    stats.sources[name] = {"sha256": sha, "records": count, "newest_modified": newest or None}
    logger.info("imported %d records from %s (sha256 %s)", count, name, sha[:12])


def import_sources(
    paths: Sequence[Path], db_path: Path, *, fresh: bool = False, labels: Sequence[str] | None = None
) -> ImportStats:
    """Add `paths` to the database at `db_path` (a new one when missing or `fresh`), atomically.

    Each source is recorded under its absolute path, or under `labels[i]` (e.g. the download URL).
    """
    db_path = db_path.expanduser()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".tmp", dir=db_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if db_path.exists() and not fresh:
            shutil.copyfile(db_path, tmp)
            db = sqlite3.connect(tmp)
        else:
            tmp.unlink()
            db = sqlite3.connect(tmp)
            db.executescript(DDL)
            db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        db.commit()
        db.execute("PRAGMA synchronous = OFF")
        stats = ImportStats()
        with db:
            for index, path in enumerate(paths):
                label = labels[index] if labels else str(Path(path).resolve())
                _import_one(db, Path(path), label, stats)
            db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('built_at', ?)",
                (datetime.now(UTC).isoformat(timespec="seconds"),),
            )
        db.execute("VACUUM")
        db.close()
        os.replace(tmp, db_path)
    except sqlite3.DatabaseError as exc:
        raise VulnDBError(f"cannot write vulnerability database {db_path}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return stats
