"""Per-ecosystem ordering: PEP 440, npm/Go semver (loose and prefixed forms) and dpkg."""

from __future__ import annotations

import pytest

from workers.scan.versions import InvalidVersion, normalise, version_key


def _lt(ecosystem: str, a: str, b: str) -> bool:
    return bool(version_key(ecosystem, a) < version_key(ecosystem, b))


@pytest.mark.parametrize(
    ("ecosystem", "older", "newer"),
    [
        ("PyPI", "1.0.dev1", "1.0a1"),
        ("PyPI", "1.0rc1", "1.0"),
        ("PyPI", "1.0", "1.0+local"),
        ("PyPI", "1.0+local", "1.0.post1"),
        ("PyPI", "9.0", "2!0.1"),
        ("npm", "1.0.0-alpha", "1.0.0-alpha.1"),
        ("npm", "1.0.0-beta.2", "1.0.0-beta.11"),
        ("npm", "1.0.0-rc.1", "1.0.0"),
        ("npm", "0.9.9", "1.0"),  # loose `1.0` as in GHSA-r683-j2x4-v87g
        ("Go", "1.18.0-0", "go1.18rc1"),  # Go's pre-release marker sorts below every pre-release
        ("Go", "go1.18rc1", "1.18.0"),
        ("Go", "v0.0.0-20210101000000-abcdefabcdef", "v0.1.0"),
        ("Debian", "1.0~rc1", "1.0"),
        ("Debian", "2.0", "1:1.0"),
        ("Debian", "3.0.11-1~deb12u2", "3.0.11-1"),
        ("Debian", "1.2.13.dfsg-1", "1.2.13.dfsg-1+b1"),
        ("Debian", "3.0.11-1~deb12u9", "3.0.11-1~deb12u10"),
        ("Alpine", "1.2.3_rc1-r0", "1.2.3-r0"),
        ("Maven", "2.17.1", "2.19.0"),
        ("Maven", "1.0-alpha1", "1.0-beta1"),
        ("Maven", "1.0-SNAPSHOT", "1.0"),
        ("Maven", "1.0", "1.0-sp1"),
    ],
)
def test_order(ecosystem: str, older: str, newer: str) -> None:
    assert _lt(ecosystem, older, newer)
    assert not _lt(ecosystem, newer, older)


@pytest.mark.parametrize(
    ("ecosystem", "a", "b"),
    [
        ("PyPI", "1.0-post1", "1.0.post1"),
        ("PyPI", "3.2", "3.2.0"),
        ("npm", "1.0", "1.0.0"),
        ("Go", "v1.2.3", "1.2.3"),
    ],
)
def test_equal_spellings(ecosystem: str, a: str, b: str) -> None:
    assert version_key(ecosystem, a) == version_key(ecosystem, b)


@pytest.mark.parametrize(
    ("ecosystem", "text"),
    [("PyPI", "0.1-bulbasaur"), ("PyPI", "0.7.4.svn.r2010"), ("npm", "latest"), ("Alpine", "x1")],
)
def test_invalid_versions_raise(ecosystem: str, text: str) -> None:
    with pytest.raises(InvalidVersion):
        version_key(ecosystem, text)


def test_normalise_matches_versions_lists() -> None:
    assert normalise("PyPI", "3.2.0") == "3.2.0" and normalise("PyPI", "1.0-post1") == "1.0.post1"
    assert normalise("PyPI", "0.1-bulbasaur") == "0.1-bulbasaur"
    assert normalise("Go", "go1.23.4") == "1.23.4"
