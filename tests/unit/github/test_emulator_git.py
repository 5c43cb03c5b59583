"""The emulator serves attached repositories: tree, contents, tarball and an authenticated git clone."""

import base64
import io
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

import requests
from github import Auth, Github, GithubIntegration

from tests.github_emulator.plugin import APP_ID
from tests.github_emulator.server import Emulator

FILES = {"Dockerfile": "FROM scratch\n", "api/Dockerfile": "FROM busybox\n"}


def token_for(github_emulator: Emulator, key: Path) -> str:
    auth = Auth.AppAuth(APP_ID, key.read_text())
    return (
        GithubIntegration(auth=auth, base_url=github_emulator.base_url, lazy=True).get_access_token(1).token
    )


def test_clone_over_smart_http_needs_the_installation_token(
    github_emulator: Emulator, emulated_repo: Callable, github_app_key: tuple[Path, str], tmp_path: Path
) -> None:
    _, sha = emulated_repo("octo/app", FILES)
    url = github_emulator.clone_url("octo/app")
    anonymous = subprocess.run(
        ["git", "clone", "-q", url, str(tmp_path / "anon")],
        capture_output=True,
        env={"GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/bin:/bin"},
    )
    assert anonymous.returncode != 0
    header = (
        "Authorization: Basic "
        + base64.b64encode(
            f"x-access-token:{token_for(github_emulator, github_app_key[0])}".encode()
        ).decode()
    )
    subprocess.run(
        ["git", "-c", f"http.extraHeader={header}", "clone", "-q", url, str(tmp_path / "c")], check=True
    )
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path / "c", capture_output=True, text=True)
    assert head.stdout.strip() == sha
    assert (tmp_path / "c" / "api" / "Dockerfile").read_text() == "FROM busybox\n"


def test_tree_contents_and_tarball(
    github_emulator: Emulator, emulated_repo: Callable, github_app_key: tuple[Path, str]
) -> None:
    _, sha = emulated_repo("octo/app", FILES, aliases={"f" * 40: "HEAD"})
    client = Github(
        auth=Auth.Token(token_for(github_emulator, github_app_key[0])),
        base_url=github_emulator.base_url,
        lazy=True,
    )
    repo = client.get_repo("octo/app", lazy=True)
    assert sorted(e.path for e in repo.get_git_tree("f" * 40, recursive=True).tree) == [
        "Dockerfile",
        "api",
        "api/Dockerfile",
    ]
    assert repo.get_contents("api/Dockerfile", ref=sha).decoded_content == b"FROM busybox\n"
    link = repo.get_archive_link("tarball", sha)
    names = tarfile.open(fileobj=io.BytesIO(requests.get(link, timeout=10).content)).getnames()
    assert any(n.endswith("/api/Dockerfile") for n in names)
