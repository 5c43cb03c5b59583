"""Rate limits and transient errors, injected into the emulator and handled by call_github."""

from collections.abc import Callable
from pathlib import Path

import pytest
from github import Auth, Github, GithubIntegration

from tests.github_emulator.plugin import APP_ID
from tests.github_emulator.server import Emulator
from workers.checks import CheckRunWriter
from workers.github.errors import GitHubApiError, GitHubUnavailable
from workers.github.ratelimit import call_github, retry_delay

SECONDARY = {
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
}


def test_retry_delay_reads_githubs_headers() -> None:
    assert retry_delay(403, {"Retry-After": "7"}, "", 0) == 7
    assert retry_delay(403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "100"}, "", 90) == 11
    assert retry_delay(403, {}, "You have exceeded a secondary rate limit", 0) == 60
    assert retry_delay(429, {}, "", 0) == 60
    assert retry_delay(403, {}, "Resource not accessible by integration", 0) is None
    assert retry_delay(502, {}, "", 0) is None


@pytest.fixture
def repo(github_emulator: Emulator, emulated_repo: Callable, github_app_key: tuple[Path, str]):
    emulated_repo("octo/app", {"Dockerfile": "FROM scratch\n"})
    github_emulator.allow_contract_errors = True  # injected 403/429/502 are outside the described responses
    auth = Auth.AppAuth(APP_ID, github_app_key[0].read_text())
    token = (
        GithubIntegration(auth=auth, base_url=github_emulator.base_url, lazy=True).get_access_token(1).token
    )
    client = Github(
        auth=Auth.Token(token),
        base_url=github_emulator.base_url,
        lazy=True,
        retry=None,
        seconds_between_writes=None,
    )
    return client.get_repo("octo/app", lazy=True)


def test_patch_waits_out_retry_after_then_succeeds(repo, github_emulator: Emulator) -> None:
    writer = CheckRunWriter(repo)
    run_id = writer.create_queued("dockgate/app", "c" * 40, external_id="j")
    github_emulator.inject("checks/update", 403, SECONDARY, {"Retry-After": "1"})
    slept: list[float] = []
    call_github("patch", lambda: repo.get_check_run(run_id).edit(status="in_progress"), sleep=slept.append)
    assert slept == [1.0]
    assert github_emulator.check_runs[run_id]["status"] == "in_progress"


def test_long_rate_limit_becomes_a_transient_error(repo, github_emulator: Emulator) -> None:
    github_emulator.inject("checks/create", 429, SECONDARY, {"Retry-After": "3600"})
    with pytest.raises(GitHubUnavailable) as err:
        call_github("create", lambda: repo.create_check_run("dockgate/app", "d" * 40), sleep=lambda s: None)
    assert err.value.retry_after == 3600 and not github_emulator.check_runs


def test_server_errors_retry_then_give_up_as_transient(repo, github_emulator: Emulator) -> None:
    github_emulator.inject("checks/create", 502, {"message": "Server Error"}, times=1)
    run = call_github("create", lambda: repo.create_check_run("dockgate/app", "e" * 40), sleep=lambda s: None)
    assert run.id in github_emulator.check_runs
    github_emulator.inject("checks/create", 502, {"message": "Server Error"}, times=5)
    with pytest.raises(GitHubUnavailable):
        call_github("create", lambda: repo.create_check_run("dockgate/app", "f" * 40), sleep=lambda s: None)


def test_client_errors_are_not_retried(repo, github_emulator: Emulator) -> None:
    with pytest.raises(GitHubApiError, match="404"):
        call_github("read", lambda: repo.get_check_run(999999).status, sleep=lambda s: pytest.fail("slept"))
