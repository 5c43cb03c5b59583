"""Distro matching by source: Alpine by origin and branch; Debian by source package *and source
version* (binNMU `+bN` binaries and binaries with their own epoch carry `upstream=src@version`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from workers.scan import VulnDB, open_db, scan_bom
from workers.scan.purls import to_ref
from workers.vulndb import import_sources

BOM = Callable[..., dict[str, Any]]


def _record(vid: str, ecosystem: str, name: str, *events: dict[str, str]) -> dict[str, Any]:
    return {
        "id": vid,
        "modified": "2024-06-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": name},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, *events]}],
            }
        ],
    }


RECORDS = [
    # Alpine's secdb as OSV: keyed on the origin package and the branch.
    _record("ALPINE-CVE-2023-5678", "Alpine:v3.19", "openssl", {"fixed": "3.1.4-r1"}),
    # Debian keys advisories on source packages and source versions.
    _record("DEBIAN-CVE-2024-28085", "Debian:12", "util-linux", {"fixed": "2.38.1-5+deb12u4"}),
    _record("DEBIAN-CVE-2023-0001", "Debian:12", "bash", {"last_affected": "5.2.15-2"}),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VulnDB]:
    tmp = tmp_path_factory.mktemp("distro-source")
    (tmp / "records.json").write_text(json.dumps(RECORDS))
    import_sources([tmp / "records.json"], tmp / "db.sqlite")
    handle = open_db(tmp / "db.sqlite")
    yield handle
    handle.close()


def _ids(db: VulnDB, make_bom: BOM, purl: str) -> list[str]:
    return [f.id for f in scan_bom(make_bom(purl), db).findings]


@pytest.mark.parametrize(
    ("purl", "expected"),
    [
        # libcrypto3 is built from origin openssl (our apk cataloger and syft say `upstream=`)
        ("pkg:apk/alpine/libcrypto3@3.1.4-r0?arch=x86_64&distro=alpine-3.19.1&upstream=openssl", True),
        ("pkg:apk/alpine/libcrypto3@3.1.4-r0?arch=x86_64&distro=alpine-3.19.1&origin=openssl", True),
        ("pkg:apk/alpine/openssl@3.1.4-r0?arch=x86_64&distro=alpine-3.19.1", True),
        ("pkg:apk/alpine/libcrypto3@3.1.4-r1?arch=x86_64&distro=alpine-3.19.1&upstream=openssl", False),
        ("pkg:apk/alpine/libcrypto3@3.1.4-r0?arch=x86_64&distro=alpine-3.18.4&upstream=openssl", False),
        ("pkg:apk/alpine/libcrypto3@3.1.4-r0?arch=x86_64&distro=alpine-3.19.1", False),  # origin unknown
        ("pkg:apk/alpine/libcrypto3@3.1.3_p1-r0?arch=x86_64&distro=alpine-3.19.1&upstream=openssl", True),
    ],
)
def test_alpine_by_origin_and_branch(db: VulnDB, make_bom: BOM, purl: str, expected: bool) -> None:
    assert _ids(db, make_bom, purl) == (["ALPINE-CVE-2023-5678"] if expected else [])


def test_alpine_ref() -> None:
    ref = to_ref("pkg:apk/alpine/libcrypto3@3.1.4-r0?arch=x86_64&distro=alpine-3.19.1&upstream=openssl")
    assert (ref.ecosystem, ref.release, ref.name, ref.version) == ("Alpine", "v3.19", "openssl", "3.1.4-r0")


def test_binary_with_own_epoch_is_compared_on_the_source_version(db: VulnDB, make_bom: BOM) -> None:
    # bsdutils 1:2.38.1-5+deb12u3 is built from util-linux 2.38.1-5+deb12u3 (as in debian:bookworm):
    # the binary's epoch would make it look newer than every util-linux fix.
    old = (
        "pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12"
        "&upstream=util-linux%402.38.1-5%2Bdeb12u3"
    )
    assert _ids(db, make_bom, old) == ["DEBIAN-CVE-2024-28085"]
    fixed = old.replace("u3", "u4")
    assert _ids(db, make_bom, fixed) == []
    dpkg_spelling = old.replace("util-linux%402.38.1-5%2Bdeb12u3", "util-linux%20(2.38.1-5%2Bdeb12u3)")
    assert _ids(db, make_bom, dpkg_spelling) == ["DEBIAN-CVE-2024-28085"]


def test_binnmu_is_compared_on_the_source_version(db: VulnDB, make_bom: BOM) -> None:
    # bash 5.2.15-2+b13 is a binNMU of source 5.2.15-2 (last_affected): the `+b13` must not hide it.
    binnmu = "pkg:deb/debian/bash@5.2.15-2%2Bb13?arch=amd64&distro=debian-12&upstream=bash%405.2.15-2"
    assert _ids(db, make_bom, binnmu) == ["DEBIAN-CVE-2023-0001"]
    ref = to_ref(binnmu)
    assert (ref.name, ref.version) == ("bash", "5.2.15-2")
    # without a source version the binary version is all there is
    assert to_ref("pkg:deb/debian/libc6@2.36-9?distro=debian-12&upstream=glibc").version == "2.36-9"


def test_syft_debian_sbom_source_versions(db: VulnDB, syft_sbom: Callable[[str], dict[str, Any]]) -> None:
    # syft 1.18.1's SBOM of debian:bookworm: bash 5.2.15-2+b13 (upstream bash@5.2.15-2), util-linux
    # binaries at 2.38.1-5+deb12u3, bsdutils with its own epoch.
    report = scan_bom(syft_sbom("debian"), db)
    found = {(f.id, f.purl.split("?")[0]) for f in report.findings}
    assert ("DEBIAN-CVE-2023-0001", "pkg:deb/debian/bash@5.2.15-2%2Bb13") in found
    assert ("DEBIAN-CVE-2024-28085", "pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3") in found
