"""Catalogers on synthetic images: dpkg (status and status.d), apk, Python, npm, Java, busybox."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from workers.image import ImageFS
from workers.sbom import catalog_image

OS_RELEASE = (
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
)
STATUS = """\
Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl
Version: 3.0.15-1~deb12u1
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Description: Secure Sockets Layer toolkit - shared libraries
 This package is part of the OpenSSL project.

Package: bash
Status: install ok installed
Architecture: amd64
Source: bash (5.2.15-2)
Version: 5.2.15-2+b7

Package: removed-but-config
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: python3-pip
Status: install ok installed
Architecture: all
Version: 23.0.1+dfsg-1
"""
COPYRIGHT = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

Files: *
License: GPL-3+

Files: lib/*
License: Expat or Apache-2.0
"""
PIP_META = "Metadata-Version: 2.1\nName: pip\nVersion: 23.0.1\nLicense: MIT\n"
DIST = "/usr/lib/python3/dist-packages/pip-23.0.1.dist-info"


def _by_purl(image: ImageFS) -> dict[str, object]:
    return {p.purl: p for p in catalog_image(image).packages}


def test_dpkg_status_purls_licences_ownership(image_of: Callable[..., ImageFS]) -> None:
    base = {
        "/etc/os-release": OS_RELEASE,
        "/var/lib/dpkg/status": STATUS,
        "/var/lib/dpkg/info/libssl3:amd64.list": "/.\n/usr/lib/x86_64-linux-gnu/libssl.so.3\n",
        "/var/lib/dpkg/info/python3-pip.list": f"/usr/lib/python3/dist-packages/pip\n{DIST}/METADATA\n",
        "/usr/share/doc/libssl3/copyright": COPYRIGHT,
    }
    python = {f"{DIST}/METADATA": PIP_META}
    found = catalog_image(image_of(base, python))
    purls = {p.purl: p for p in found.packages}
    ssl = purls["pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&distro=debian-12&upstream=openssl"]
    assert ssl.licenses == ("Apache-2.0", "GPL-3.0-or-later", "MIT")
    assert "/usr/lib/x86_64-linux-gnu/libssl.so.3" in ssl.owned_files
    assert "pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64&distro=debian-12&upstream=bash%405.2.15-2" in purls
    assert not any("removed-but-config" in p for p in purls)
    pip = purls["pkg:pypi/pip@23.0.1"]
    assert pip.owner == "pkg:deb/debian/python3-pip@23.0.1%2Bdfsg-1?arch=all&distro=debian-12"
    assert pip.licenses == ("MIT",)
    assert found.distro is not None and found.distro.qualifier == "debian-12"


def test_a_package_deleted_in_a_later_layer_is_gone(image_of: Callable[..., ImageFS]) -> None:
    base = {"/etc/os-release": OS_RELEASE, f"{DIST}/METADATA": PIP_META, "/var/lib/dpkg/status": STATUS}
    later = {"/usr/lib/python3/dist-packages/.wh.pip-23.0.1.dist-info": b"", "/var/lib/dpkg/status": ""}
    purls = _by_purl(image_of(base, later))
    assert purls == {}


def test_distroless_status_d(image_of: Callable[..., ImageFS]) -> None:
    layer = {
        "/etc/os-release": OS_RELEASE,
        "/var/lib/dpkg/status.d/libc6": "Package: libc6\nVersion: 2.36-9+deb12u9\nArchitecture: amd64\n"
        "Source: glibc\nStatus: install ok installed\n",
        "/var/lib/dpkg/status.d/libc6.md5sums": "abc  lib/x86_64-linux-gnu/libc.so.6\n",
        "/var/lib/dpkg/status.d/base-files": "Package: base-files\nVersion: 12.4+deb12u9\n"
        "Architecture: amd64\n",
    }
    found = _by_purl(image_of(layer))
    libc = found["pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64&distro=debian-12&upstream=glibc"]
    assert libc.owned_files == frozenset({"/lib/x86_64-linux-gnu/libc.so.6"})  # type: ignore[attr-defined]
    purls = set(found)
    assert purls == {
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64&distro=debian-12&upstream=glibc",
        "pkg:deb/debian/base-files@12.4%2Bdeb12u9?arch=amd64&distro=debian-12",
    }


def test_apk_database_with_ownership(image_of: Callable[..., ImageFS]) -> None:
    installed = (
        "C:Q1abc=\nP:musl\nV:1.2.4_git20230717-r4\nA:x86_64\nL:MIT\no:musl\nT:the musl c library\n"
        "F:lib\nR:ld-musl-x86_64.so.1\n\n"
        "P:py3-six\nV:1.16.0-r9\nA:noarch\nL:MIT\no:py-six\nF:usr/lib/python3.12/site-packages/six-1.16.0.dist-info\n"
        "R:METADATA\n\n"
    )
    layer = {
        "/etc/os-release": "ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=Alpine Linux v3.19\n",
        "/lib/apk/db/installed": installed,
        "/usr/lib/python3.12/site-packages/six-1.16.0.dist-info/METADATA": "Name: six\nVersion: 1.16.0\n",
    }
    purls = _by_purl(image_of(layer))
    musl = purls["pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1"]
    assert "/lib/ld-musl-x86_64.so.1" in musl.owned_files  # type: ignore[attr-defined]
    six = purls["pkg:pypi/six@1.16.0"]
    assert six.owner == "pkg:apk/alpine/py3-six@1.16.0-r9?arch=noarch&distro=alpine-3.19.1&upstream=py-six"  # type: ignore[attr-defined]


def test_python_egg_info_record_and_classifier_licences(image_of: Callable[..., ImageFS]) -> None:
    site = "/opt/venv/lib/python3.11/site-packages"
    layer = {
        f"{site}/Django-3.2.dist-info/METADATA": "Name: Django\nVersion: 3.2\nLicense: BSD-3-Clause\n",
        f"{site}/Django-3.2.dist-info/RECORD": "django/__init__.py,sha256=x,10\n"
        "../../../bin/django-admin,,\n",
        f"{site}/legacy-1.0.egg-info": "Name: Legacy\nVersion: 1.0\n"
        "Classifier: License :: OSI Approved :: MIT License\n",
        f"{site}/broken-1.0.dist-info/METADATA": "Summary: no name\n",
    }
    found = catalog_image(image_of(layer))
    purls = {p.purl: p for p in found.packages}
    django = purls["pkg:pypi/django@3.2"]
    assert f"{site}/django/__init__.py" in django.owned_files
    assert "/opt/venv/bin/django-admin" in django.owned_files
    assert purls["pkg:pypi/legacy@1.0"].licenses == ("MIT License",)
    assert any(s.path.endswith("broken-1.0.dist-info/METADATA") for s in found.skipped)


def test_npm_packages_lockfile_only_entries_and_bad_json(image_of: Callable[..., ImageFS]) -> None:
    app = "/srv/app"
    lock = (
        '{"lockfileVersion": 3, "packages": {"": {"name": "app", "version": "1.0.0"},'
        ' "node_modules/lodash": {"version": "4.17.15"},'
        ' "node_modules/@types/node": {"version": "18.18.14", "license": "MIT"}}}'
    )
    layer = {
        f"{app}/package.json": '{"name": "app", "version": "1.0.0", "private": true}',
        f"{app}/package-lock.json": lock,
        f"{app}/node_modules/lodash/package.json": '{"name": "lodash", "version": "4.17.15", '
        '"license": "MIT"}',
        f"{app}/node_modules/lodash/fp/package.json": '{"main": "../fp.js"}',
        f"{app}/node_modules/bad/package.json": "{not json",
    }
    found = catalog_image(image_of(layer))
    by = {(p.purl, p.found_by) for p in found.packages}
    assert by == {
        ("pkg:npm/app@1.0.0", "npm"),
        ("pkg:npm/lodash@4.17.15", "npm"),
        ("pkg:npm/%40types/node@18.18.14", "npm-lock"),
    }
    assert [s.path for s in found.skipped] == [f"{app}/node_modules/bad/package.json"]


def _jar(entries: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buf.getvalue()


def test_java_pom_properties_and_manifest_fallback(image_of: Callable[..., ImageFS]) -> None:
    shaded = _jar(
        {
            "META-INF/MANIFEST.MF": "Manifest-Version: 1.0\n",
            "META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties": "groupId="
            "org.apache.logging.log4j\n"
            "artifactId=log4j-core\nversion=2.19.0\n",
            "META-INF/maven/commons-codec/commons-codec/pom.properties": "groupId=commons-codec\n"
            "artifactId=commons-codec\nversion=1.15\n",
        }
    )
    plain = _jar({"META-INF/MANIFEST.MF": "Implementation-Title: gson\nImplementation-Version: 2.10\n"
                  "Bundle-SymbolicName: com.google.gson\n"})  # fmt: skip
    layer = {
        "/usr/share/java/log4j-core.jar": shaded,
        "/usr/share/java/gson-2.10.jar": plain,
        "/x.jar": b"nope",
    }
    found = catalog_image(image_of(layer))
    assert {p.purl for p in found.packages} == {
        "pkg:maven/org.apache.logging.log4j/log4j-core@2.19.0",
        "pkg:maven/commons-codec/commons-codec@1.15",
        "pkg:maven/com.google/gson@2.10",
    }
    assert [s.path for s in found.skipped] == ["/x.jar"]


def test_busybox_without_os_release_becomes_the_os(image_of: Callable[..., ImageFS]) -> None:
    layer = {
        "/bin/busybox": b"\x7fELF....BusyBox v1.35.0 (Debian 1:1.35.0-4+b3) multi-call binary.\x00gzip 1.0"
    }
    found = catalog_image(image_of(layer))
    assert [p.purl for p in found.packages] == ["pkg:generic/busybox@1.35.0"]
    assert found.distro is not None and (found.distro.id, found.distro.version_id) == ("busybox", "1.35.0")


def _rpm_header(tags: list[tuple[int, int, object]]) -> bytes:
    """An rpmdb header blob: (tag, type, value) with type 4 = int32 array, 6 = string, 8 = string array."""
    import struct

    entries, store = [], b""
    for tag, kind, value in tags:
        offset = len(store)
        if kind == 4:
            while len(store) % 4:
                store += b"\0"
            offset = len(store)
            ints = list(value)  # type: ignore[call-overload]
            store += b"".join(struct.pack(">i", v) for v in ints)
            count = len(ints)
        elif kind == 6:
            store += str(value).encode() + b"\0"
            count = 1
        else:
            items = list(value)  # type: ignore[call-overload]
            store += b"".join(str(v).encode() + b"\0" for v in items)
            count = len(items)
        entries.append(struct.pack(">iiii", tag, kind, offset, count))
    return struct.pack(">ii", len(entries), len(store)) + b"".join(entries) + store


def test_rpm_sqlite_database(image_of: Callable[..., ImageFS], tmp_path: object) -> None:
    import sqlite3

    header = _rpm_header(
        [
            (1000, 6, "python3-six"),
            (1001, 6, "1.15.0"),
            (1002, 6, "9.el9"),
            (1003, 4, [1]),
            (1014, 6, "MIT"),
            (1022, 6, "noarch"),
            (1044, 6, "python-six-1.15.0-9.el9.src.rpm"),
            (1116, 4, [0, 1]),
            (1117, 8, ["six.py", "METADATA"]),
            (
                1118,
                8,
                [
                    "/usr/lib/python3.9/site-packages/",
                    "/usr/lib/python3.9/site-packages/six-1.15.0.dist-info/",
                ],
            ),
        ]
    )
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB NOT NULL)")
    db.execute("INSERT INTO Packages VALUES (1, ?), (2, ?)", (header, b"\x00\x01"))
    data = db.serialize()
    db.close()
    layer = {
        "/etc/os-release": 'ID="rhel"\nVERSION_ID="9.2"\n',
        "/var/lib/rpm/rpmdb.sqlite": data,
        "/usr/lib/python3.9/site-packages/six-1.15.0.dist-info/METADATA": "Name: six\nVersion: 1.15.0\n",
    }
    found = catalog_image(image_of(layer))
    purls = {p.purl: p for p in found.packages}
    rpm = (
        "pkg:rpm/rhel/python3-six@1.15.0-9.el9"
        "?arch=noarch&distro=rhel-9.2&epoch=1&upstream=python-six-1.15.0-9.el9.src.rpm"
    )
    assert purls[rpm].version == "1:1.15.0-9.el9" and purls[rpm].licenses == ("MIT",)
    assert purls["pkg:pypi/six@1.15.0"].owner == rpm
    assert [s.path for s in found.skipped] == ["/var/lib/rpm/rpmdb.sqlite#2"]
