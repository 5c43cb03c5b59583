"""Snapshot tests of the markdown developers read on their pull requests.

Set UPDATE_SNAPSHOTS=1 to rewrite the files after an intended change, then review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workers.checks import MAX_OUTPUT_BYTES, clip
from workers.runreport import ImageRun, check_annotations, summary, title

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _check(name: str, text: str, *, directory: Path | None = None) -> None:
    """Compare `text` with the stored snapshot; a missing snapshot fails (UPDATE_SNAPSHOTS=1 writes it)."""
    path = (directory or SNAPSHOTS) / name
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_text(text)
    if not path.exists():
        pytest.fail(
            f"snapshot {path} is missing: run with UPDATE_SNAPSHOTS=1 to write it, then review and commit it",
            pytrace=False,
        )
    assert text == path.read_text()


def test_a_missing_snapshot_fails_instead_of_being_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UPDATE_SNAPSHOTS", raising=False)
    with pytest.raises(pytest.fail.Exception, match="UPDATE_SNAPSHOTS=1"):
        _check("new.md", "# text\n", directory=tmp_path)
    assert not (tmp_path / "new.md").exists()
    monkeypatch.setenv("UPDATE_SNAPSHOTS", "1")
    _check("new.md", "# text\n", directory=tmp_path)  # written on request, then compared
    monkeypatch.delenv("UPDATE_SNAPSHOTS")
    _check("new.md", "# text\n", directory=tmp_path)


@pytest.mark.parametrize("kind", ["passing", "failing", "cancelled"])
def test_summary_snapshot(kind: str, request: pytest.FixtureRequest) -> None:
    run: ImageRun = request.getfixturevalue(f"{kind}_run")
    _check(f"{kind}.md", f"# {title(run)}\n\n{summary(run)}")


def test_passing_run_concludes_success(passing_run: ImageRun) -> None:
    assert passing_run.conclusion == "success"
    assert title(passing_run) == "Passed: 0 lint error(s), 1 warning(s)"


def test_failing_run_lists_every_reason(failing_run: ImageRun) -> None:
    assert failing_run.conclusion == "failure"
    reasons = failing_run.verdict.reasons
    assert any("DG105" in r for r in reasons) and any("DG107" in r for r in reasons)
    assert any("GHSA-x84v-xcm2-53pg" in r for r in reasons)
    assert "the image is not signed" in reasons
    text = summary(failing_run)
    for reason in reasons:
        assert reason.replace("|", "\\|") in text or reason in text


def test_cancelled_run(cancelled_run: ImageRun) -> None:
    assert cancelled_run.conclusion == "cancelled"
    assert "superseded" in summary(cancelled_run)


def test_annotations_point_at_dockerfile_lines(failing_run: ImageRun) -> None:
    annotations = check_annotations(failing_run)
    assert [(a["start_line"], a["annotation_level"]) for a in annotations] == [
        (1, "failure"),
        (3, "failure"),
        (3, "failure"),
        (6, "warning"),
    ]
    assert all(a["path"] == "Dockerfile" for a in annotations)


def test_huge_reports_are_clipped_with_a_marker(failing_run: ImageRun) -> None:
    from dataclasses import replace

    many = tuple(failing_run.lint[0] for _ in range(3000))
    text = summary(replace(failing_run, lint=many))
    clipped = clip(text, link="https://dockgate.example/runs/1")
    assert len(clipped.encode()) <= MAX_OUTPUT_BYTES
    assert "truncated" in clipped and "https://dockgate.example/runs/1" in clipped
