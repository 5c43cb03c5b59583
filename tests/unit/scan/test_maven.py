"""Maven matching on GHSA-jfh8-c2jp-5v3q (Log4Shell), trimmed to its `affected[]` (CC-BY-4.0, GitHub)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workers.scan import open_db, scan_bom
from workers.vulndb import import_sources


def _entry(name: str, events: list[dict[str, str]] | None = None, versions: list[str] | None = None) -> Any:
    entry: dict[str, Any] = {"package": {"ecosystem": "Maven", "name": name}}
    if events:
        entry["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
    if versions:
        entry["versions"] = versions
    return entry


LOG4SHELL = {
    "schema_version": "1.4.0",
    "id": "GHSA-jfh8-c2jp-5v3q",
    "modified": "2024-07-25T20:12:08Z",
    "aliases": ["CVE-2021-44228"],
    "summary": "Remote code injection in Log4j",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}],
    "affected": [
        _entry("org.apache.logging.log4j:log4j-core", [{"introduced": "2.13.0"}, {"fixed": "2.15.0"}]),
        _entry("org.apache.logging.log4j:log4j-core", [{"introduced": "2.0-beta9"}, {"fixed": "2.3.1"}]),
        _entry("org.apache.logging.log4j:log4j-core", [{"introduced": "2.4"}, {"fixed": "2.12.2"}]),
        _entry("com.guicedee.services:log4j-core", [{"introduced": "0"}, {"last_affected": "1.2.1.2-jre17"}]),
        _entry("uk.co.nichesolutions.logging.log4j:log4j-core", versions=["2.6.3-CUSTOM"]),
    ],
}


@pytest.mark.parametrize(
    ("purl", "affected"),
    [
        ("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", True),
        ("pkg:maven/org.apache.logging.log4j/log4j-core@2.15.0", False),
        ("pkg:maven/org.apache.logging.log4j/log4j-core@2.12.2", False),
        ("pkg:maven/org.apache.logging.log4j/log4j-core@2.12.1", True),
        ("pkg:maven/org.apache.logging.log4j/log4j-core@2.0-beta9", True),
        ("pkg:maven/org.apache.logging.log4j/log4j-core@2.0-alpha1", False),
        ("pkg:maven/org.apache.logging.log4j/log4j-core@2.19.0", False),  # as in the misc image
        ("pkg:maven/com.guicedee.services/log4j-core@1.2.1.2-jre17", True),
        ("pkg:maven/uk.co.nichesolutions.logging.log4j/log4j-core@2.6.3-CUSTOM", True),
        ("pkg:maven/org.apache.logging.log4j/log4j-api@2.14.1", False),
    ],
)
def test_log4shell(
    tmp_path: Path, make_bom: Callable[..., dict[str, Any]], purl: str, affected: bool
) -> None:
    (tmp_path / "ghsa.json").write_text(json.dumps(LOG4SHELL))
    import_sources([tmp_path / "ghsa.json"], tmp_path / "db.sqlite")
    db = open_db(tmp_path / "db.sqlite")
    report = scan_bom(make_bom(purl), db)
    db.close()
    assert [(f.id, f.severity, f.score) for f in report.findings] == (
        [("GHSA-jfh8-c2jp-5v3q", "critical", 10.0)] if affected else []
    )
    assert report.skipped == ()
