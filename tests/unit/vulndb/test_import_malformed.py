"""`dockgate vulndb import`: records that parse but lack OSV's shape are counted as invalid and
skipped; they never abort the import nor replace a good copy of the same id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from workers.vulndb import import_sources, open_db

GOOD = {
    "id": "GHSA-good-0000-0000",
    "modified": "2024-01-01T00:00:00Z",
    "aliases": ["CVE-2024-0001"],
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "Demo_Pkg"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}],
        }
    ],
}
MALFORMED: list[dict[str, Any]] = [
    {"affected": ["oops"]},
    {"affected": "oops"},
    {"affected": [{"package": "PyPI/demo"}]},
    {"affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "ranges": 5}]},
    {"affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "ranges": [5]}]},
    {"affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "ranges": [{"events": "x"}]}]},
    {"affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "versions": "1.0"}]},
    {"aliases": "CVE-2024-0002"},
    {"aliases": [{"id": "CVE-2024-0002"}]},
    {"severity": {"type": "CVSS_V3"}},
    {"references": "https://example.com"},
]


def _write(folder: Path) -> None:
    folder.mkdir()
    (folder / "good.json").write_text(json.dumps(GOOD))
    for index, broken in enumerate(MALFORMED):
        record = {"id": f"BAD-{index}", "modified": "2024-02-01T00:00:00Z", **broken}
        (folder / f"bad-{index}.json").write_text(json.dumps(record))
    # a newer but malformed copy of the good record must not replace it
    newer = dict(GOOD, modified="2025-01-01T00:00:00Z", affected=[{"package": {}, "ranges": 7}])
    (folder / "good-newer-broken.json").write_text(json.dumps(newer))


def test_malformed_records_are_counted_not_fatal(tmp_path: Path) -> None:
    _write(tmp_path / "osv")
    stats = import_sources([tmp_path / "osv"], tmp_path / "db.sqlite")
    assert stats.records == 1 and stats.invalid == len(MALFORMED) + 1
    assert len(stats.errors) == stats.invalid
    assert any("BAD-0" in e and "affected" in e for e in stats.errors)
    assert stats.sources[str((tmp_path / "osv").resolve())]["records"] == 1
    db = open_db(tmp_path / "db.sqlite")
    try:
        assert [row.vuln_id for row in db.affected("PyPI", "demo-pkg", "")] == ["GHSA-good-0000-0000"]
        assert db.snapshot().newest_modified == "2024-01-01T00:00:00Z"  # invalid records do not count
    finally:
        db.close()


def test_cli_reports_invalid_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path / "osv")
    assert main(["vulndb", "import", str(tmp_path / "osv"), "--db", str(tmp_path / "db.sqlite")]) == 0
    out, err = capsys.readouterr()
    assert "1 records imported" in out and f"{len(MALFORMED) + 1} invalid records skipped" in out
    assert "0 unreadable files" in out
    assert "BAD-3" in err and "invalid OSV record" in err
