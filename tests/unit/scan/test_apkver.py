"""apk ordering checked against vectors from apk-tools' own `test/version.data` (alpinelinux/apk-tools)."""

from __future__ import annotations

import pytest

from workers.scan import apkver

# A selection of lines of apk-tools' test/version.data, verbatim ("A op B").
VECTORS = """
2.34 > 0.1.0_alpha
23_foo > 4_beta
1.0 < 1.0bc
0.1.0_alpha = 0.1.0_alpha
0.1.0_alpha2 > 0.1.0_alpha
0.1.0_alpha < 2.2.39-r1
1.0.4-r3 < 1.0.4-r4
1.1 > 1.1_alpha1
1.2.1 > 1.2
1.2 < 1.3_alpha
1.3_alpha2 < 1.3_alpha3
0.7.0 < 0.8_beta1
3.10.18-r1 > 2.3.0b-r1
2.3.0b-r1 < 2.3.0b-r2
0.12.3 > 0.12
0.12 < 0.13_beta1
1.2.11 < 1.2.12.1
0.2.0-r1 < 3.1_p16
3.1_p16 < 3.1_p17
3.1_p17 > 1.06-r6
1.06-r6 < 006
006 > 1.0.0
1.2.2-r1 > 1.2.2
9.3.4-r2 > 9.3.4
2.59 < 20050718-r1
3.9.8-r5 > 2.01.01_alpha10
2.01.01_alpha10 > 0.94
1.0 > 0.99.3.20040818
1.39 > 1.00_beta2
1.02 < 1.03-r1
0.5.2.7 < 4.2.52_p2-r1
4.2.52_p2-r1 < 4.2.52_p4-r2
3.0.3-r9 > 2.0.5-r1
9 > 2.18.3-r10
2.18.3-r10 > 1.05-r18
2.11-r1 > 2.11
20060720 > 3.0.20060720
3.0.20060720 < 20060720
2.5.1-r8 < 2.5.1a-r1
1.3.5-r10 > 1.3.5-r8
20040401 > 2.0.0_rc3-r1
3.0.0-r2 < 021109-r3
0.9.16-r1 < 3.9_pre20060124
1.1.7 < 6b-r7
0.10.0-r1 > 0.10.0
0.10.0 < 0.10.1_rc1
2.0.2 > 1.1a
1.06-r2 > 0.15.1b-r2
22.7-r1 < 22.7.3-r1
22.7 > 2.1_pre20
2.10.1 > 02.08.01b
1.2.07.8 < 1.2.12.04
3.81 > 1.6d
1.07-r1 < 1.07.5
20061003 > 0.1_pre20060810
3.3.17 > 0.59s-r11
4.20 > 0.20070118
0.20070118 < 0.20070207_rc1
0.20070207_rc1 < 1.0
2.3.30-r2 < 3.7_p1
4.5_p1-r1 > 4.5_p1
4.5_p1 > 0.9.8c-r1
0.9.8c-r1 < 0.9.8d
2.2.3-r2 < 013
013 < 014-r1
1.7 < 1.7b
1.8.5 < 1.8.5_p2
2.9.11_pre20051101-r3 > 2.9.11_pre20051101
2.6.1.3-r1 > 2.6.1.3
1.6.8_p12-r1 > 1.6.8_p9-r2
0.9.28-r2 < 0.9.28.1
0.9.28.1 < 087-r1
104-r11 > 104-r9
1.2.5_rc2 > 0.1
20040406-r1 > 2.12r-r4
2.12r-r4 < 2.12r-r5
7.0.17 < 7.0.174
1.3-r0 < 1.3.1-r0
1.3_pre1-r1 < 1.3.2
1.0_p10-r0 > 1.0_p9-r0
0.1.0_alpha_pre2 < 0.1.0_alpha
1.0.0_pre20191002222144-r0 < 1.0.0_pre20210530193627-r0
"""


def _cases() -> list[tuple[str, str, int]]:
    sign = {"<": -1, "=": 0, ">": 1}
    return [(a, b, sign[op]) for a, op, b in (line.split() for line in VECTORS.strip().splitlines())]


@pytest.mark.parametrize(("left", "right", "expected"), _cases())
def test_apk_tools_vectors(left: str, right: str, expected: int) -> None:
    assert apkver.compare(left, right) == expected
    assert apkver.compare(right, left) == -expected


@pytest.mark.parametrize("version", ["1.2.3-r0", "2.0_git20240101-r1", "1.0_cvs", "3.1_p16", "1.2.3a"])
def test_versions_univers_rejects_are_valid(version: str) -> None:
    assert apkver.is_valid(version)


@pytest.mark.parametrize("version", ["", "1.0-foo", "1.0_bogus", "abc"])
def test_invalid_versions(version: str) -> None:
    assert not apkver.is_valid(version)
