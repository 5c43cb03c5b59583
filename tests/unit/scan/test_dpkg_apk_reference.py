"""dpkg ordering checked against the real `dpkg --compare-versions`; apk ordering's algebra by hypothesis."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.scan import apkver
from workers.scan.versions import version_key

INVENTORY = Path(__file__).resolve().parents[3].parent / "shared/sbom-baseline/inventory"
TRICKY = [
    "1:1.0", "2.0", "1.0~rc1", "1.0", "1.0~~", "1.0~", "3.0.11-1~deb12u2", "3.0.11-1",
    "1.2.13.dfsg-1+b1", "3.0.11-1~deb12u10", "3.0.11-1~deb12u9", "0.0", "0", "1.0a", "1.0+a",
]  # fmt: skip


def _dpkg_lt(a: str, b: str) -> bool:
    return subprocess.run(["dpkg", "--compare-versions", a, "lt", b], check=False).returncode == 0


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs dpkg (Debian hosts)")
def test_dpkg_agrees_with_dpkg() -> None:
    real = sorted(
        {line.split("\t")[1] for f in INVENTORY.glob("*.dpkg.tsv") for line in f.read_text().splitlines()}
    )
    versions = TRICKY + real
    rng = random.Random(7)  # noqa: S311 - test data
    pairs = [(a, b) for a in TRICKY for b in TRICKY] + [tuple(rng.sample(versions, 2)) for _ in range(150)]
    wrong = [
        (a, b) for a, b in pairs if (version_key("Debian", a) < version_key("Debian", b)) != _dpkg_lt(a, b)
    ]
    assert len(real) > 100 and wrong == []


_APK = st.builds(
    lambda nums, letter, suffix, rev: ".".join(map(str, nums)) + letter + suffix + rev,
    st.lists(st.integers(0, 20), min_size=1, max_size=4),
    st.sampled_from(["", "a", "b", "z"]),
    st.sampled_from(["", "_alpha", "_beta2", "_pre1", "_rc3", "_p1", "_git20240101", "_cvs", "_svn2"]),
    st.sampled_from(["", "-r0", "-r1", "-r10"]),
)


@given(_APK, _APK, _APK)
def test_apk_order_is_a_total_order(a: str, b: str, c: str) -> None:
    assert apkver.is_valid(a)
    assert apkver.compare(a, b) == -apkver.compare(b, a)
    if apkver.compare(a, b) <= 0 and apkver.compare(b, c) <= 0:
        assert apkver.compare(a, c) <= 0
