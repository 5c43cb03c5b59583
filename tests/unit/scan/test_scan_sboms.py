"""scan_bom on syft's SBOMs of the baseline images and on targeted components."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from attestations.errors import UsageError
from workers.scan import VulnDB, VulnDBError, scan_bom
from workers.scan.versions import version_key

SBOM = Callable[[str], dict[str, Any]]
BOM = Callable[..., dict[str, Any]]


def _ids(report: Any, package: str | None = None) -> set[str]:
    return {f.id for f in report.findings if package is None or f.package == package}


def test_nodeapp_exact_npm_advisories(shared_db: VulnDB, syft_sbom: SBOM, vulndb_dir: Path) -> None:
    report = scan_bom(syft_sbom("nodeapp"), shared_db)
    npm_ghsa = {p.parent.name for p in vulndb_dir.glob("github-advisory-database/**/GHSA-*.json")} - {
        "GHSA-j8r2-6x86-q33q"  # the PyPI one
    }
    # Every npm advisory shipped is for a pin of the image (lodash 4.17.15, minimist 1.2.5, ...).
    assert _ids(report) == npm_ghsa
    lodash = {f.id: f for f in report.findings if f.package == "lodash"}
    assert lodash["GHSA-p6mc-m468-83gw"].fixed_versions == ("4.17.20",)
    assert lodash["GHSA-p6mc-m468-83gw"].severity == "high" and lodash["GHSA-p6mc-m468-83gw"].score == 7.4
    # The 25 Debian node modules under /usr/share/nodejs are routed to distro data, not npm's.
    assert len(report.routed) == 25 and all(f.ecosystem == "npm" for f in report.findings)
    assert report.components == 183


def test_pyapp_aliases_merged(shared_db: VulnDB, syft_sbom: SBOM) -> None:
    report = scan_bom(syft_sbom("pyapp"), shared_db)
    requests = [f for f in report.findings if f.package == "requests"]
    # PYSEC-2023-74 and GHSA-j8r2-6x86-q33q are one vulnerability: one finding, native id first.
    assert [f.id for f in requests] == ["PYSEC-2023-74"]
    assert set(requests[0].aliases) == {"GHSA-j8r2-6x86-q33q", "CVE-2023-32681"}
    assert requests[0].severity == "medium"  # from the GHSA record's CVSS vector, merged in
    assert len(_ids(report, "django")) == 25
    assert "PYSEC-2024-60" in _ids(report, "idna")
    assert not any(f.id.startswith("GHSA-j8r2") for f in report.findings)


def test_debian_base_has_no_language_confusion(shared_db: VulnDB, syft_sbom: SBOM) -> None:
    report = scan_bom(syft_sbom("debian"), shared_db)
    assert report.findings == () and report.components == 89


def test_misc_go_binary(shared_db: VulnDB, syft_sbom: SBOM) -> None:
    report = scan_bom(syft_sbom("misc"), shared_db)
    stdlib = [f for f in report.findings if f.package == "stdlib"]
    assert stdlib and {f.version.removeprefix("go") for f in stdlib} == {"1.23.4"}
    # Every stdlib finding is fixed in a later Go release, so each has a fix above 1.23.4.
    assert all(version_key("Go", f.fixed_versions[-1]) > version_key("Go", "1.23.4") for f in stdlib)
    # Maven jars: no Maven records in this data set, so nothing matched and nothing crashed.
    assert not any(f.ecosystem == "Maven" for f in report.findings)


def test_installed_equals_fixed_is_clean(shared_db: VulnDB, make_bom: BOM) -> None:
    clean = scan_bom(make_bom("pkg:pypi/requests@2.31.0", "pkg:npm/lodash@4.17.21"), shared_db)
    assert "PYSEC-2023-74" not in _ids(clean)
    assert _ids(clean, "lodash") == set()


def test_owner_property_routes_to_distro_data(shared_db: VulnDB, make_bom: BOM) -> None:
    owner = "pkg:deb/debian/nginx-common@1.2.1-2.2%2Bwheezy2?arch=all&distro=debian-7&upstream=nginx"
    lang = ("pkg:pypi/requests@2.25.1", {"dockgate:package:owner": owner})
    report = scan_bom(make_bom(lang), shared_db)
    # Not matched as PyPI (the distro patches it) but via the owner: DSA-3029-1 on nginx, Debian 7.
    assert [(f.id, f.ecosystem, f.routed_from) for f in report.findings] == [
        ("DSA-3029-1", "Debian:7", "pkg:pypi/requests@2.25.1")
    ]
    fixed = owner.replace("wheezy2", "wheezy3")
    assert scan_bom(make_bom(fixed), shared_db).findings == ()  # installed == fixed
    other_release = owner.replace("debian-7", "debian-12")
    assert scan_bom(make_bom(other_release), shared_db).findings == ()


def test_invalid_pep440_installed_version(shared_db: VulnDB, make_bom: BOM) -> None:
    report = scan_bom(make_bom("pkg:pypi/paramiko@0.1-bulbasaur"), shared_db)
    # Not comparable, so only exact versions[] enumerations count, and the scan says so.
    assert "PYSEC-2008-8" in _ids(report)
    assert all(f.matched_by == "versions" for f in report.findings)
    assert any("not comparable" in s.reason for s in report.skipped)


def test_git_only_record_with_package_is_skipped(tmp_path: Path, vulndb_dir: Path, make_bom: BOM) -> None:
    import json

    from workers.vulndb import import_sources, open_db

    record = json.loads((vulndb_dir / "psf-advisory-database/advisories/python/PSF-2007-1.json").read_text())
    record["affected"][0]["package"] = {"ecosystem": "PyPI", "name": "cpython-demo"}
    (tmp_path / "psf.json").write_text(json.dumps(record))
    import_sources([tmp_path / "psf.json"], tmp_path / "db.sqlite")
    db = open_db(tmp_path / "db.sqlite")
    report = scan_bom(make_bom("pkg:pypi/cpython-demo@2.5.1"), db)
    db.close()
    assert report.findings == ()
    assert [(s.vuln_id, "GIT" in s.reason) for s in report.skipped] == [("PSF-2007-1", True)]


def test_unmapped_purls_are_skipped(shared_db: VulnDB, make_bom: BOM) -> None:
    report = scan_bom(make_bom("pkg:generic/busybox@1.35.0", "pkg:pypi/novers"), shared_db)
    assert {s.reason for s in report.skipped} == {
        "no OSV ecosystem for purl type 'generic'",
        "purl has no version",
    }


def test_db_age_limit(shared_db: VulnDB, make_bom: BOM) -> None:
    snapshot = shared_db.snapshot().snapshot_time()
    assert snapshot is not None
    later = snapshot + timedelta(days=40)
    with pytest.raises(VulnDBError, match="older than 30 days"):
        scan_bom(make_bom(), shared_db, now=later, max_age=timedelta(days=30))
    assert scan_bom(make_bom(), shared_db, now=later, max_age=timedelta(days=60)).findings == ()


def test_rejects_non_cyclonedx(shared_db: VulnDB) -> None:
    with pytest.raises(UsageError):
        scan_bom({"spdxVersion": "SPDX-2.3"}, shared_db, now=datetime.now(UTC))


def test_nested_components_and_cyclonedx_1_4(shared_db: VulnDB) -> None:
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "components": [
            {
                "type": "application",
                "name": "app",
                "components": [{"type": "library", "name": "minimist", "purl": "pkg:npm/minimist@1.2.5"}],
            }
        ],
    }
    report = scan_bom(bom, shared_db)
    assert [f.id for f in report.findings] == ["GHSA-xvch-5gv4-984h"] and report.components == 2
