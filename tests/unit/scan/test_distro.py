"""Distro matching: Ubuntu's own OSV record (USN-2169-1, trimmed; canonical/ubuntu-security-notices)
and Debian's DSA-3029-1, keyed on source package and release, with language packages routed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workers.scan import VulnDB, open_db, scan_bom
from workers.vulndb import import_sources

USN_2169_1 = {
    "schema_version": "1.7.0",
    "id": "USN-2169-1",
    "summary": "python-django vulnerabilities",
    "aliases": [],
    "published": "2014-04-22T11:58:31.107433Z",
    "modified": "2025-07-16T04:41:47Z",
    "affected": [
        {
            "package": {"ecosystem": "Ubuntu:14.04:LTS", "name": "python-django"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.6.1-2ubuntu0.1"}]}],
            "versions": ["1.5.4-1ubuntu1", "1.6-1", "1.6.1-1", "1.6.1-2"],
        }
    ],
}
BOM = Callable[..., dict[str, Any]]


@pytest.fixture(scope="module")
def ubuntu_db(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("usn")
    (tmp / "USN-2169-1.json").write_text(json.dumps(USN_2169_1))
    import_sources([tmp / "USN-2169-1.json"], tmp / "db.sqlite")
    db = open_db(tmp / "db.sqlite")
    yield db
    db.close()


@pytest.mark.parametrize(
    ("purl", "expected"),
    [
        ("pkg:deb/ubuntu/python-django@1.6.1-2?arch=all&distro=ubuntu-14.04", ["USN-2169-1"]),
        ("pkg:deb/ubuntu/python-django@1.6.1-2?arch=all&distro=trusty", ["USN-2169-1"]),  # codename
        ("pkg:deb/ubuntu/python-django@1.6.1-2ubuntu0.1?arch=all&distro=ubuntu-14.04", []),  # == fixed
        ("pkg:deb/ubuntu/python-django@1.6.1-2?arch=all&distro=ubuntu-16.04", []),  # other release
        (
            "pkg:deb/ubuntu/python-django-doc@1.6.1-2?distro=ubuntu-14.04&upstream=python-django",
            ["USN-2169-1"],
        ),
        ("pkg:deb/debian/python-django@1.6.1-2?distro=debian-8", []),  # Debian is not Ubuntu
    ],
)
def test_ubuntu_release_and_source(ubuntu_db: VulnDB, make_bom: BOM, purl: str, expected: list[str]) -> None:
    assert [f.id for f in scan_bom(make_bom(purl), ubuntu_db).findings] == expected


def test_language_package_owned_by_ubuntu_deb(ubuntu_db: VulnDB, make_bom: BOM) -> None:
    owner = "pkg:deb/ubuntu/python-django@1.6.1-2?arch=all&distro=ubuntu-14.04"
    report = scan_bom(
        make_bom(("pkg:pypi/django@1.6.1", {"dockgate:package:owner": owner}), owner), ubuntu_db
    )
    assert [(f.id, f.purl) for f in report.findings] == [("USN-2169-1", owner)]
    assert report.routed[0].owner == owner


def test_debian_dsa_by_source_package(shared_db: VulnDB, make_bom: BOM, tmp_path: Path) -> None:
    # DSA-3029-1: nginx in Debian 7 fixed in 1.2.1-2.2+wheezy3; binary nginx-full built from it.
    binary = "pkg:deb/debian/nginx-full@1.2.1-2.2%2Bwheezy2?arch=amd64&distro=debian-7&upstream=nginx"
    assert [f.id for f in scan_bom(make_bom(binary), shared_db).findings] == ["DSA-3029-1"]
    codename = binary.replace("distro=debian-7", "distro=wheezy")
    assert [f.id for f in scan_bom(make_bom(codename), shared_db).findings] == ["DSA-3029-1"]
    no_source = binary.replace("&upstream=nginx", "")  # without the source name only nginx-full is looked up
    assert scan_bom(make_bom(no_source), shared_db).findings == ()
