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
    errors: list[str] = field(default_factory=list)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else str(value)


def _insert_record(db: sqlite3.Connection, source: str, record: dict[str, Any], stats: ImportStats) -> None:
    vid = record["id"]
    modified = _text(record.get("modified"))
    row = db.execute("SELECT modified FROM vuln WHERE id = ?", (vid,)).fetchone()
    if row is not None:
        if (row[0] or "") >= (modified or ""):
            return
        db.execute("DELETE FROM vuln WHERE id = ?", (vid,))
        db.execute("DELETE FROM affected WHERE vuln_id = ?", (vid,))
        db.execute("DELETE FROM alias WHERE vuln_id = ?", (vid,))
    aliases = sorted({str(a) for a in record.get("aliases") or ()} - {vid})
    summary = record.get("summary") or (record.get("details") or "").strip().split("\n", 1)[0][:200]
    db_specific = record.get("database_specific") or {}
    db.execute(
        "INSERT INTO vuln VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            vid, source, modified, _text(record.get("published")), _text(record.get("withdrawn")),
            summary, json.dumps(aliases), json.dumps(record.get("severity") or []),
            db_specific.get("severity") if isinstance(db_specific, dict) else None,
            json.dumps([r.get("url") for r in record.get("references") or () if isinstance(r, dict)]),
        ),
    )  # fmt: skip
    db.executemany("INSERT INTO alias VALUES (?, ?)", [(a, vid) for a in [vid, *aliases]])
    packages = 0
    for affected in record.get("affected") or ():
        package = affected.get("package") or {}
        if not package.get("ecosystem") or not package.get("name"):
            continue
        base, release = split_ecosystem(str(package["ecosystem"]))
        versions = sorted({normalise(base, str(v)) for v in affected.get("versions") or ()})
        ranges = [
            {
                "type": r.get("type"),
                "events": [{k: str(v) for k, v in e.items()} for e in r.get("events", ())],
            }
            for r in affected.get("ranges") or ()
        ]
        db.execute(
            "INSERT INTO affected VALUES (?,?,?,?,?,?)",
            (
                vid,
                base,
                release,
                normalise_name(base, str(package["name"])),
                json.dumps(ranges),
                json.dumps(versions),
            ),
        )
        packages += 1
    stats.records += 1
    stats.indexed_packages += packages
    stats.unindexed += packages == 0
    stats.withdrawn += record.get("withdrawn") is not None


def _import_one(db: sqlite3.Connection, path: Path, name: str, stats: ImportStats) -> None:
    sha, files = read_source(path)
    count, newest = 0, ""
    for loaded in files:
        if loaded.error:
            stats.errors.append(f"{loaded.path}: {loaded.error}")
            continue
        for record in loaded.records:
            _insert_record(db, name, record, stats)
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
