"""The database: import of real OSV folders/YAML/zip, snapshot identity, atomic replacement."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from workers.vulndb import VulnDB, VulnDBError, import_sources, open_db


def test_shared_folder_counts(shared_db: VulnDB, vulndb_dir: Path) -> None:
    files = [p for p in vulndb_dir.rglob("*") if p.suffix in {".json", ".yaml"}]
    snapshot = shared_db.snapshot().to_dict()
    assert snapshot["records"] == len(files) == shared_db.count()
    assert len(snapshot["sources"][0]["sha256"]) == 64
    # The newest `modified` is the data's age; Go's zero dates ("0001-01-01") must not win or lose it.
    assert snapshot["snapshot"] >= "2024-01-01"


def test_psf_records_are_stored_but_not_indexed(shared_db: VulnDB, tmp_path: Path, vulndb_dir: Path) -> None:
    psf = vulndb_dir / "psf-advisory-database" / "advisories" / "python"
    stats = import_sources([psf], tmp_path / "psf.db")
    assert stats.records == len(list(psf.glob("*.json"))) == stats.unindexed
    assert shared_db.vuln("PSF-2007-1").aliases == ("CVE-2007-4965",)


def test_aliases_and_withdrawn(shared_db: VulnDB) -> None:
    assert "GHSA-j8r2-6x86-q33q" in shared_db.vuln("PYSEC-2023-74").aliases
    # PYSEC-2023-73 (redis) is withdrawn: stored, never offered for matching.
    assert shared_db.vuln("PYSEC-2023-73").id == "PYSEC-2023-73"
    assert all(r.vuln_id != "PYSEC-2023-73" for r in shared_db.affected("PyPI", "redis"))


def test_same_source_twice_gives_same_identity(tmp_path: Path, vulndb_dir: Path) -> None:
    src = vulndb_dir / "github-advisory-database"
    a = import_sources([src], tmp_path / "a.db").sources
    b = import_sources([src, src], tmp_path / "b.db").sources
    assert list(a.values()) == list(b.values())
    db = open_db(tmp_path / "b.db")
    assert db.count() == 7  # re-importing does not duplicate
    db.close()


def test_zip_export_and_newer_record_wins(tmp_path: Path, vulndb_dir: Path) -> None:
    record_path = next(vulndb_dir.rglob("GHSA-rv95-896h-c2vc.json"))
    record = json.loads(record_path.read_text())
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("GHSA-rv95-896h-c2vc.json", json.dumps(record))
        out.writestr("broken.json", "{not json")
    db_path = tmp_path / "z.db"
    stats = import_sources([archive], db_path)
    assert stats.records == 1 and len(stats.errors) == 1 and "broken.json" in stats.errors[0]
    newer = dict(record, modified="2030-01-01T00:00:00Z", summary="updated")
    (tmp_path / "newer.json").write_text(json.dumps(newer))
    older = dict(record, modified="2001-01-01T00:00:00Z", summary="stale")
    (tmp_path / "older.json").write_text(json.dumps(older))
    import_sources([tmp_path / "newer.json", tmp_path / "older.json"], db_path)
    db = open_db(db_path)
    assert db.vuln("GHSA-rv95-896h-c2vc").summary == "updated"
    assert len(db.affected("npm", "express")) == 2
    db.close()


def test_update_is_atomic_for_open_readers(tmp_path: Path, vulndb_dir: Path) -> None:
    db_path = tmp_path / "v.db"
    import_sources([vulndb_dir / "github-advisory-database"], db_path)
    reader = open_db(db_path)
    import_sources([vulndb_dir / "examples"], db_path)
    assert reader.count() == 7  # the open handle keeps its consistent snapshot
    fresh = open_db(db_path)
    assert fresh.count() == 8 and len(fresh.snapshot().sources) == 2
    reader.close()
    fresh.close()
    assert [p.name for p in tmp_path.iterdir()] == ["v.db"]  # no temporary files left behind


def test_open_db_errors_are_actionable(tmp_path: Path) -> None:
    with pytest.raises(VulnDBError, match="vulndb import"):
        open_db(tmp_path / "missing.db")
    (tmp_path / "junk.db").write_text("not sqlite")
    with pytest.raises(VulnDBError, match="not a dockgate vulnerability database"):
        open_db(tmp_path / "junk.db")
    other = sqlite3.connect(tmp_path / "other.db")
    other.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    other.execute("INSERT INTO meta VALUES ('schema_version', '0')")
    other.commit()
    other.close()
    with pytest.raises(VulnDBError, match="rebuild"):
        open_db(tmp_path / "other.db")
