"""The build timestamp comes from the sources, so one commit always builds the same labels."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

from workers.build import oci_labels, source_date


def _git(root: Path, *args: str, date: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    if date:
        env |= {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def test_source_date_epoch_wins(tmp_path: Path) -> None:
    assert source_date(tmp_path, {"SOURCE_DATE_EPOCH": "1700000000"}) == dt.datetime(
        2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC
    )


def test_last_commit_touching_the_root(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text("FROM scratch\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "svc", date="2024-05-01T10:00:00Z")
    (tmp_path / "other.txt").write_text("later change elsewhere\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "other", date="2025-01-01T00:00:00Z")
    assert source_date(tmp_path / "svc", {}) == dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)
    assert source_date(tmp_path, {}) == dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def test_outside_git_it_is_now(tmp_path: Path) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    assert before <= source_date(tmp_path, {}) <= dt.datetime.now(dt.UTC)


def test_labels() -> None:
    created = dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    labels = oci_labels("https://example.com/r", "abc", {"team": "x"}, created)
    assert labels == {
        "org.opencontainers.image.created": "2024-05-01T10:00:00Z",
        "org.opencontainers.image.source": "https://example.com/r",
        "org.opencontainers.image.revision": "abc",
        "team": "x",
    }
