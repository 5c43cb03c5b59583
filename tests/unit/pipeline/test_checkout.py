from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from workers.checkout import CheckoutError, checkout


def _repo(tmp_path: Path) -> tuple[Path, str, str]:
    repo = tmp_path / "origin"
    repo.mkdir()
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args],
            cwd=repo,
            env={**env, "PATH": "/usr/bin:/bin"},
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    git("init", "-q", "-b", "main")
    git("config", "uploadpack.allowReachableSHA1InWant", "true")
    (repo / "Dockerfile").write_text("FROM scratch\n")
    git("add", "."), git("commit", "-qm", "one")
    first = git("rev-parse", "HEAD")
    (repo / "Dockerfile").write_text("FROM scratch\nLABEL two=2\n")
    git("commit", "-qam", "two")
    return repo, first, git("rev-parse", "HEAD")


def test_checks_out_exactly_the_requested_commit(tmp_path: Path) -> None:
    repo, first, second = _repo(tmp_path)
    with checkout(f"file://{repo}", first) as root:
        assert (root / "Dockerfile").read_text() == "FROM scratch\n"
    with checkout(f"file://{repo}", second) as root:
        assert "LABEL two=2" in (root / "Dockerfile").read_text()
        kept = root
    assert not kept.exists()  # the scratch folder is removed afterwards


def test_rejects_credentials_in_the_url_and_bad_shas(tmp_path: Path) -> None:
    with (
        pytest.raises(CheckoutError, match="credentials"),
        checkout("https://x:tok@github.com/a/b", "a" * 40),
    ):
        pass
    with pytest.raises(CheckoutError, match="full commit SHA"), checkout("https://github.com/a/b", "main"):
        pass


def test_unknown_commit_is_a_clear_error(tmp_path: Path) -> None:
    repo, _, _ = _repo(tmp_path)
    with pytest.raises(CheckoutError, match="git fetch failed"), checkout(f"file://{repo}", "b" * 40):
        pass
