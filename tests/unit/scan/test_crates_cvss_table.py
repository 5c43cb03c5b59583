"""crates.io matching (SemVer ranges), CVSS v4 severity (preferred over v3) and the text table."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from workers.scan import ScanException, VulnDB, open_db, parse_openvex, scan_bom
from workers.scan.output import report_table
from workers.scan.severity import of_record
from workers.vulndb import import_sources

BOM = Callable[..., dict[str, Any]]
NOW = datetime(2026, 11, 23, tzinfo=UTC)
V4_CRITICAL = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"  # 9.3
V4_LOW = "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"  # 1.0
V3_CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  # 9.8


def _semver(*events: dict[str, str]) -> dict[str, Any]:
    return {"type": "SEMVER", "events": list(events)}


RECORDS: list[dict[str, Any]] = [
    {  # RUSTSEC-2021-0003 (smallvec), two ranges in one record, as published
        "id": "RUSTSEC-2021-0003",
        "modified": "2024-05-01T00:00:00Z",
        "aliases": ["CVE-2021-25900", "GHSA-43w2-9j62-hq99"],
        "summary": "Buffer overflow in SmallVec::insert_many",
        "affected": [
            {
                "package": {"ecosystem": "crates.io", "name": "smallvec"},
                "ranges": [
                    _semver({"introduced": "0.6.3"}, {"fixed": "0.6.14"}),
                    _semver({"introduced": "1.0.0"}, {"fixed": "1.6.1"}),
                ],
            }
        ],
    },
    {
        "id": "GHSA-v4v4-only",
        "modified": "2024-05-01T00:00:00Z",
        "severity": [{"type": "CVSS_V4", "score": V4_CRITICAL}],
        "affected": [
            {"package": {"ecosystem": "npm", "name": "v4-only"}, "ranges": [_semver({"introduced": "0"})]}
        ],
    },
    {
        "id": "GHSA-v4v3-both",
        "modified": "2024-05-01T00:00:00Z",
        "severity": [{"type": "CVSS_V3", "score": V3_CRITICAL}, {"type": "CVSS_V4", "score": V4_LOW}],
        "database_specific": {"severity": "CRITICAL"},
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": "v4-and-v3"},
                "ranges": [_semver({"introduced": "0"}, {"fixed": "2.0.0"})],
            }
        ],
    },
    {
        "id": "GHSA-bad-v4",
        "modified": "2024-05-01T00:00:00Z",
        "severity": [
            {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N"},
            {"type": "CVSS_V3", "score": V3_CRITICAL},
        ],
        "affected": [
            {"package": {"ecosystem": "npm", "name": "bad-v4"}, "ranges": [_semver({"introduced": "0"})]}
        ],
    },
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VulnDB]:
    tmp = tmp_path_factory.mktemp("crates-cvss")
    (tmp / "records.json").write_text(json.dumps(RECORDS))
    import_sources([tmp / "records.json"], tmp / "db.sqlite")
    handle = open_db(tmp / "db.sqlite")
    yield handle
    handle.close()


@pytest.mark.parametrize(
    ("version", "fixed"),
    [
        ("1.6.0", ["1.6.1"]),
        ("1.0.0", ["1.6.1"]),
        ("1.6.1-alpha.1", ["1.6.1"]),  # a pre-release of the fix is still affected
        ("1.6.1", None),  # installed == fixed
        ("1.13.2", None),
        ("0.6.13", ["0.6.14"]),
        ("0.6.2", None),  # before `introduced`
        ("0.6.14", None),
    ],
)
def test_crates_io_semver_ranges(db: VulnDB, make_bom: BOM, version: str, fixed: list[str] | None) -> None:
    findings = scan_bom(make_bom(f"pkg:cargo/smallvec@{version}"), db).findings
    if fixed is None:
        assert findings == ()
        return
    (finding,) = findings
    assert (finding.id, finding.ecosystem, finding.package, list(finding.fixed_versions)) == (
        "RUSTSEC-2021-0003", "crates.io", "smallvec", fixed,
    )  # fmt: skip
    assert set(finding.aliases) == {"CVE-2021-25900", "GHSA-43w2-9j62-hq99"}


def test_crates_io_names_are_not_confused_with_other_ecosystems(db: VulnDB, make_bom: BOM) -> None:
    assert scan_bom(make_bom("pkg:npm/smallvec@1.6.0", "pkg:pypi/smallvec@1.6.0"), db).findings == ()


def test_cvss_v4_severity(db: VulnDB) -> None:
    only = of_record(db.vuln("GHSA-v4v4-only"))
    assert (only.level, only.score, only.vector) == ("critical", 9.3, V4_CRITICAL)
    both = of_record(db.vuln("GHSA-v4v3-both"))  # v4 wins over v3 and over the database's label
    assert (both.level, both.score, both.vector) == ("low", 1.0, V4_LOW)
    bad = of_record(db.vuln("GHSA-bad-v4"))  # a malformed v4 vector falls back to v3
    assert (bad.level, bad.score, bad.vector) == ("critical", 9.8, V3_CRITICAL)


def test_cvss_v4_reaches_findings_and_gate(db: VulnDB, make_bom: BOM) -> None:
    report = scan_bom(make_bom("pkg:npm/v4-only@1.0.0", "pkg:npm/v4-and-v3@1.0.0"), db)
    assert [(f.id, f.severity, f.score) for f in report.findings] == [
        ("GHSA-v4v4-only", "critical", 9.3),
        ("GHSA-v4v3-both", "low", 1.0),
    ]


def test_report_table(db: VulnDB, make_bom: BOM) -> None:
    owner = "pkg:deb/debian/node-smallvec@1.0?distro=debian-12"
    vex = parse_openvex(
        {
            "@context": "https://openvex.dev/ns/v0.2.0",
            "statements": [
                {
                    "vulnerability": {"name": "GHSA-v4v4-only"},
                    "status": "not_affected",
                    "impact_statement": "unused",
                }
            ],
        }
    )
    expired = ScanException("CVE-2021-25900", "sec-team", date(2026, 1, 1), "waiting for upstream")
    bom = make_bom(
        "pkg:cargo/smallvec@1.6.0",
        "pkg:npm/v4-and-v3@1.0.0",
        "pkg:npm/v4-only@1.0.0",
        ("pkg:npm/routed@1.0.0", {"dockgate:package:owner": owner}),
        "pkg:generic/thing@1.0",
    )
    report = scan_bom(bom, db, vex=vex, exceptions=[expired], now=NOW)
    lines = report_table(report).splitlines()
    assert lines[0] == "vulnerability DB snapshot 2024-05-01T00:00:00Z (4 records); 5 components scanned"
    header, first, second = lines[1:4]
    assert header.split() == ["SEVERITY", "ID", "PACKAGE", "VERSION", "FIXED", "IN", "ALIASES"]
    assert first.split() == ["LOW", "GHSA-v4v3-both", "v4-and-v3", "1.0.0", "2.0.0"]  # worst first
    assert second.split() == ["UNKNOWN", "RUSTSEC-2021-0003", "smallvec", "1.6.0", "1.6.1",
                              "CVE-2021-25900,", "GHSA-43w2-9j62-hq99"]  # fmt: skip
    # columns are aligned: each column starts at the same offset on every row
    for column, cells in ((1, ("ID", "GHSA-v4v3-both", "RUSTSEC")), (4, ("FIXED IN", "2.0.0", "1.6.1"))):
        assert header.index(cells[0]) == first.index(cells[1]) == second.index(cells[2]), column
    assert lines[4] == "2 findings, 1 suppressed, 1 skipped, 1 routed to distro data"
    assert lines[5] == "note: exception for CVE-2021-25900 (owner sec-team) expired on 2026-01-01"
    assert len(lines) == 6
