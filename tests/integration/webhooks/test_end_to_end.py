"""Real payloads → signed POST → Flask → Redis → RQ worker → the emulator's check runs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.github_emulator.server import Emulator
from tests.integration.webhooks.conftest import payload

pytestmark = pytest.mark.redis

DOCKERFILE = "FROM dockgate-base/busybox:1.35\nUSER 1000\n"
FILES = {"Dockerfile": DOCKERFILE, "api/Dockerfile": "FROM scratch\n", "README.md": "hi\n"}


def head_of(event: str, data: dict) -> str:
    if event == "pull_request":
        return data["pull_request"]["head"]["sha"]
    if event == "check_suite":
        return data["check_suite"]["head_sha"]
    return data["after"]


@pytest.mark.parametrize(
    "name",
    [
        "pull_request/opened.json",
        "pull_request/synchronize.json",
        "pull_request/reopened.json",
        "pull_request/opened.from-fork.derived.json",
        "pull_request/opened.ghes-3.5.json",
        "push/with-new-branch.json",
        "push/branch-updated.derived.json",
        "check_suite/requested.json",
        "check_suite/requested.with-organization.json",
        "check_suite/rerequested.json",
        "check_suite/requested.ghes-3.5.json",
    ],
)
def test_payload_yields_one_completed_run_per_image(
    name: str, dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    event, body, data = payload(name)
    sha = head_of(event, data)
    emulated_repo(
        data["repository"]["full_name"],
        FILES,
        installation_id=data["installation"]["id"],
        aliases={sha: "HEAD"},
    )
    harness = dockgate()
    response = harness.post(event, body)
    assert response.status_code == 202 and len(response.json["jobs"]) == 1

    harness.work("dockgate-high")
    queued = {r["name"]: r for r in github_emulator.runs(head_sha=sha)}
    assert set(queued) == {"dockgate/app", "dockgate/api"}
    assert all(r["status"] == "queued" for r in queued.values())

    harness.work()
    runs = {r["name"]: r for r in github_emulator.runs(head_sha=sha)}
    assert len(runs) == 2
    for run in runs.values():
        assert run["history"][0] == "queued" and "in_progress" in run["history"]
        assert run["status"] == "completed" and run["conclusion"] == "neutral"  # no verdict was computed
    assert "dockgate-base/busybox:1.35" in runs["dockgate/app"]["output"]["summary"]
    assert DOCKERFILE in runs["dockgate/app"]["output"]["text"]
    trust = "untrusted (fork)" if "fork" in name else "trusted branch"
    assert trust in runs["dockgate/api"]["output"]["text"]


@pytest.mark.parametrize(
    "name",
    [
        "pull_request/closed.json",
        "pull_request/labeled.json",
        "push/branch-deleted.derived.json",
        "push/tag-deleted.json",
        "check_run/created.json",
        "check_run/completed.json",
        "check_suite/completed.json",
        "check_run/rerequested.json",
        "check_run/requested_action.json",
    ],
)
def test_payload_that_needs_no_check_run(name: str, dockgate: Callable, github_emulator: Emulator) -> None:
    event, body, _ = payload(name)
    harness = dockgate()
    response = harness.post(event, body)
    assert response.status_code == 202 and "ignored" in response.json
    harness.work()
    assert github_emulator.check_runs == {} and github_emulator.log == []


@pytest.mark.parametrize(
    "name",
    [
        "installation/created.json",
        "installation/deleted.json",
        "installation/suspend.json",
        "installation_repositories/added.json",
        "installation_repositories/removed.json",
    ],
)
def test_installation_events_drop_the_cached_token(
    name: str, dockgate: Callable, github_emulator: Emulator
) -> None:
    event, body, data = payload(name)
    harness = dockgate()
    key = f"dockgate:gh-token:{data['installation']['id']}"
    harness.redis.set(key, "ghs_stale", ex=600)
    assert harness.post(event, body).status_code == 202
    harness.work()
    assert harness.redis.get(key) is None and github_emulator.log == []


def test_ping_answers_200(dockgate: Callable) -> None:
    event, body, _ = payload("ping/with-app_id.json")
    assert dockgate().post(event, body).status_code == 200
