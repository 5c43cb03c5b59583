"""OSV's range algorithm on real records (Django, Go stdlib, GHSA npm) and its boundary cases."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from workers.scan.osvrange import ParsedRange, Verdict, evaluate, prepare
from workers.scan.versions import version_key
from workers.vulndb import VulnDB


def _verdict(
    ecosystem: str, installed: str, ranges: list[dict[str, Any]], versions: frozenset[str] = frozenset()
) -> Verdict:
    parsed, git = prepare(ranges, lambda t: version_key(ecosystem, t))
    return evaluate(installed, version_key(ecosystem, installed), installed, parsed, versions, git)


def _row(db: VulnDB, ecosystem: str, name: str, vuln_id: str) -> list[dict[str, Any]]:
    rows = [r for r in db.affected(ecosystem, name) if r.vuln_id == vuln_id]
    assert rows, f"{vuln_id} not indexed for {name}"
    return [dict(r) for row in rows for r in row.ranges if r["type"] == "ECOSYSTEM" or r["type"] == "SEMVER"]


@pytest.mark.parametrize(
    ("installed", "affected"),
    [("3.2", True), ("3.2.1", False), ("3.1.8", True), ("3.1.9", False), ("2.2.20", True), ("2.2.21", False)],
)
def test_several_ranges_in_one_record(shared_db: VulnDB, installed: str, affected: bool) -> None:
    # PYSEC-2021-7 (Django): introduced 2.2/fixed 2.2.21, 3.1/3.1.9, 3.2/3.2.1 in one range.
    ranges = _row(shared_db, "PyPI", "django", "PYSEC-2021-7")
    verdict = _verdict("PyPI", installed, ranges)
    assert verdict.affected is affected
    if affected:
        assert verdict.fixed and all(
            version_key("PyPI", f) > version_key("PyPI", installed) for f in verdict.fixed
        )


@pytest.mark.parametrize(
    ("installed", "first", "second"),
    [("0.9.0", False, True), ("1.0.0", True, True), ("2.6.7", True, False), ("3.1.1", False, False)],
)
def test_loose_npm_introduced(shared_db: VulnDB, installed: str, first: bool, second: bool) -> None:
    # GHSA-r683-j2x4-v87g: affected[0] introduced "1.0" (loose) / fixed 3.1.1; affected[1] 0 / 2.6.7.
    rows = [r for r in shared_db.affected("npm", "node-fetch") if r.vuln_id == "GHSA-r683-j2x4-v87g"]
    by_intro = {r.ranges[0]["events"][0]["introduced"]: r for r in rows}
    assert _verdict("npm", installed, list(by_intro["1.0"].ranges)).affected is first
    assert _verdict("npm", installed, list(by_intro["0"].ranges)).affected is second


def test_go_prerelease_markers(shared_db: VulnDB) -> None:
    # GO-2022-0515: introduced 0 / fixed 1.17.12, introduced 1.18.0-0 / fixed 1.18.4.
    ranges = _row(shared_db, "Go", "stdlib", "GO-2022-0515")
    assert _verdict("Go", "go1.18rc1", ranges).affected
    assert _verdict("Go", "go1.18.3", ranges).affected
    assert not _verdict("Go", "go1.18.4", ranges).affected
    assert not _verdict("Go", "go1.17.12", ranges).affected
    assert _verdict("Go", "go1.17.11", ranges).fixed == ("1.17.12", "1.18.4")


def test_last_affected_is_inclusive_and_limit_caps() -> None:
    ranges = [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"last_affected": "1.4.0"}]}]
    assert _verdict("npm", "1.4.0", ranges).affected
    assert not _verdict("npm", "1.4.1", ranges).affected
    capped = [{"type": "SEMVER", "events": [{"introduced": "0"}, {"limit": "2.0.0"}]}]
    assert _verdict("npm", "1.9.9", capped).affected
    assert not _verdict("npm", "2.0.0", capped).affected


def test_versions_list_counts_without_ranges() -> None:
    verdict = _verdict("PyPI", "1.2", [], frozenset({"1.2"}))
    assert verdict.affected and verdict.matched_by == "versions"


def test_git_only_and_invalid_events_are_skips_not_crashes() -> None:
    git = [
        {
            "type": "GIT",
            "events": [{"introduced": "0"}, {"fixed": "4df1b6d478020ac51c84467f47e42083f53adbad"}],
        }
    ]
    verdict = _verdict("PyPI", "3.11.2", git)
    assert not verdict.affected and "GIT" in verdict.skip_reason
    bad = [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "0.1-bulbasaur"}]}]
    verdict = _verdict("PyPI", "3.0", bad)
    assert not verdict.affected and "not evaluable" in verdict.skip_reason


@given(
    st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)),
    st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)),
    st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)),
)
def test_single_interval_matches_definition(
    intro: tuple[int, ...], fixed: tuple[int, ...], v: tuple[int, ...]
) -> None:
    assume(intro < fixed)

    def s(t: tuple[int, ...]) -> str:
        return ".".join(map(str, t))

    ranges = [{"type": "ECOSYSTEM", "events": [{"introduced": s(intro)}, {"fixed": s(fixed)}]}]
    parsed, _ = prepare(ranges, lambda t: version_key("PyPI", t))
    assert isinstance(parsed[0], ParsedRange)
    assert parsed[0].contains(version_key("PyPI", s(v))) is (intro <= v < fixed)
