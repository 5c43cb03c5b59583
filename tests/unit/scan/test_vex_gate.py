"""VEX suppression, scoped exceptions, the gate (threshold, only-fixed, new-only) and outputs."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from attestations.errors import UsageError
from workers.scan import (
    PREDICATE_TYPE,
    GateResult,
    ScanException,
    ScanReport,
    VulnDB,
    gate,
    parse_exception,
    parse_openvex,
    scan_bom,
)

BOM = Callable[..., dict[str, Any]]
NOW = datetime(2026, 11, 23, tzinfo=UTC)
PURLS = ("pkg:npm/lodash@4.17.15", "pkg:npm/minimist@1.2.5", "pkg:npm/express@4.17.1")


def _vex(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "urn:test", "statements": list(statements)}


@pytest.fixture()
def report(shared_db: VulnDB, make_bom: BOM) -> ScanReport:
    return scan_bom(make_bom(*PURLS), shared_db, now=NOW)


def test_openvex_not_affected_suppresses_by_alias(shared_db: VulnDB, make_bom: BOM) -> None:
    vex = parse_openvex(
        _vex(
            {
                "vulnerability": {"name": "CVE-2020-8203"},
                "products": [{"@id": "pkg:oci/app", "subcomponents": [{"@id": "pkg:npm/lodash"}]}],
                "status": "not_affected",
                "justification": "vulnerable_code_not_in_execute_path",
            },
            {"vulnerability": {"name": "CVE-2021-44906"}, "products": ["pkg:oci/app"], "status": "affected"},
        ),
        "repo/.vex.json",
    )
    bom = make_bom(*PURLS)
    bom["metadata"] = {"component": {"type": "container", "name": "127.0.0.1:5001/acme/app"}}
    result = scan_bom(bom, shared_db, vex=vex, now=NOW)
    assert [f.id for f in result.suppressed] == ["GHSA-p6mc-m468-83gw"]
    why = result.suppressed[0].suppressed_by
    assert why is not None and why.justification == "vulnerable_code_not_in_execute_path"
    assert why.source == "repo/.vex.json"
    assert "GHSA-xvch-5gv4-984h" in {f.id for f in result.findings}  # "affected" suppresses nothing


def test_openvex_rejects_malformed() -> None:
    with pytest.raises(UsageError):
        parse_openvex({"statements": []})
    with pytest.raises(UsageError):
        parse_openvex(_vex({"vulnerability": {"name": "CVE-1"}, "status": "maybe"}))


def test_exceptions_scope_and_expiry(shared_db: VulnDB, make_bom: BOM) -> None:
    active = parse_exception(
        {
            "vulnerability": "CVE-2024-29041",
            "owner": "team-web",
            "expires": "2027-01-31",
            "reason": "no redirects",
        }
    )
    expired = ScanException("GHSA-xvch-5gv4-984h", "team-cli", date(2026, 1, 1), "argv is trusted")
    other_pkg = ScanException(
        "CVE-2021-23337", "team-x", date(2027, 1, 1), "n/a", package="pkg:npm/lodash-es"
    )
    result = scan_bom(make_bom(*PURLS), shared_db, exceptions=[active, expired, other_pkg], now=NOW)
    assert [(f.id, f.suppressed_by.owner if f.suppressed_by else "") for f in result.suppressed] == [
        ("GHSA-rv95-896h-c2vc", "team-web")
    ]
    assert {"GHSA-xvch-5gv4-984h", "GHSA-35jh-r3h4-6jhm"} <= {f.id for f in result.findings}
    assert any("expired on 2026-01-01" in n for n in result.notes)
    with pytest.raises(UsageError):
        parse_exception({"vulnerability": "CVE-1", "owner": "", "expires": "2027-01-01", "reason": "x"})


def test_gate_threshold_and_only_fixed(report: ScanReport) -> None:
    assert gate(report, fail_on="critical").reasons == [
        "GHSA-xvch-5gv4-984h critical in pkg:npm/minimist@1.2.5, fixed in 1.2.6"
    ]
    assert len(gate(report, fail_on="high").reasons) == 3
    assert gate(report, fail_on="critical", only_fixed=True).failed  # minimist 1.2.6 exists
    unfixed = replace(report, findings=tuple(replace(f, fixed_versions=()) for f in report.findings))
    assert gate(unfixed, fail_on="critical").failed
    assert gate(unfixed, fail_on="critical", only_fixed=True) == GateResult(False, [])
    with pytest.raises(UsageError):
        gate(report, fail_on="severe")


def test_gate_new_only_against_baseline(shared_db: VulnDB, make_bom: BOM, report: ScanReport) -> None:
    # Baseline: the last promoted image had lodash (older version) and express, not minimist.
    old = scan_bom(make_bom("pkg:npm/lodash@4.17.11", "pkg:npm/express@4.16.0"), shared_db, now=NOW)
    as_dict = json.loads(json.dumps(old.to_json()))
    for baseline in (old, as_dict):
        result = gate(report, fail_on="medium", baseline=baseline)
        assert result.failed
        assert [r.split()[0] for r in result.reasons] == ["GHSA-xvch-5gv4-984h"]
    assert not gate(report, fail_on="medium", baseline=report).failed


def test_outputs(report: ScanReport) -> None:
    doc = report.to_json()
    assert {"db", "findings", "skipped"} <= doc.keys()
    first = doc["findings"][0]
    assert {"id", "aliases", "purl", "severity", "fixed_versions"} <= first.keys()
    assert doc["db"]["snapshot"] and doc["db"]["sources"][0]["sha256"]
    sarif = report.to_sarif("sbom.cdx.json")
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0" and len(run["results"]) == len(report.findings)
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {f.id for f in report.findings}
    assert run["results"][0]["level"] == "error"  # the critical minimist finding sorts first
    predicate = report.to_predicate()
    assert PREDICATE_TYPE == "https://cosign.sigstore.dev/attestation/vuln/v1"
    assert set(predicate) == {"invocation", "scanner", "metadata"}
    assert predicate["scanner"]["version"] and predicate["scanner"]["db"]["version"].startswith(
        doc["db"]["snapshot"]
    )
    assert predicate["scanner"]["result"]["findings"] == doc["findings"]
    assert predicate["metadata"]["scanStartedOn"] <= predicate["metadata"]["scanFinishedOn"]
    assert json.loads(json.dumps(predicate)) == predicate
    # signed attestations are public: no host file paths, the data still identified by its sha256
    signed_db = predicate["scanner"]["result"]["db"]
    assert "path" in doc["db"] and "path" not in signed_db
    assert signed_db["sources"][0]["sha256"] == doc["db"]["sources"][0]["sha256"]
    assert not any(s["name"].startswith("/") for s in signed_db["sources"]), signed_db["sources"]


def test_public_db_names_keep_the_last_two_path_parts() -> None:
    from workers.scan.output import public_db

    db = {
        "path": "/var/lib/dockgate/vulndb.sqlite",
        "sources": [
            {"name": "/srv/osv/PyPI/all.zip!GHSA-1.json", "sha256": "a"},
            {"name": "/srv/osv/records/", "sha256": "b"},
            {"name": "https://osv-vulnerabilities.storage.googleapis.com/npm/all.zip", "sha256": "c"},
        ],
    }
    assert [s["name"] for s in public_db(db)["sources"]] == [
        "PyPI/all.zip!GHSA-1.json",
        "osv/records",
        "https://osv-vulnerabilities.storage.googleapis.com/npm/all.zip",
    ]
    assert "path" not in public_db(db)


def test_osv_scanner_satisfies_the_protocol(shared_db: VulnDB, make_bom: BOM) -> None:
    from workers.scan import OsvScanner, Scanner

    scanner: Scanner = OsvScanner(
        shared_db, exceptions=[ScanException("CVE-2021-44906", "o", date(2099, 1, 1), "r")]
    )
    result = scanner.scan(make_bom(*PURLS))
    assert [f.id for f in result.suppressed] == ["GHSA-xvch-5gv4-984h"]


def test_sarif_security_severity_only_when_scored(report: ScanReport) -> None:
    rules = {r["id"]: r for r in report.to_sarif()["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["GHSA-xvch-5gv4-984h"]["properties"]["security-severity"] == "9.8"
    unscored = replace(report.findings[0], id="X-1", score=None, severity="unknown")
    sarif = replace(report, findings=(unscored,)).to_sarif()
    assert "security-severity" not in sarif["runs"][0]["tool"]["driver"]["rules"][0]["properties"]
