"""A re-run GitHub sends without pull requests (as for a fork's head) is trusted only when the
commit is known to be the repository's own: planned before from a trusted event, or the tip of
the named branch of this repository (checked through the API)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.github_emulator.server import Emulator
from tests.integration.webhooks.conftest import payload
from workers import queues
from workers.github.commits import image_job_id

pytestmark = pytest.mark.redis
FILES = {"Dockerfile": "FROM dockgate-base/busybox:1.35\nUSER 1000\n"}


def _rerun(sha: str, branch: str) -> tuple[str, bytes, dict[str, Any]]:
    event, _, data = payload("check_suite/rerequested.json")
    data["check_suite"].update(head_sha=sha, head_branch=branch, pull_requests=[])
    return event, json.dumps(data).encode(), data


def _planned_trust(harness: Any, data: dict[str, Any], sha: str) -> bool:
    harness.work("dockgate-high")
    job = queues.fetch(harness.redis, image_job_id(data["repository"]["full_name"], sha, "app"))
    assert job is not None, "the planner enqueued no image job"
    return bool(job.kwargs["trusted"])


@pytest.mark.parametrize(("branch", "trusted"), [("main", True), ("feature-from-a-fork", False)])
def test_rerun_is_trusted_only_when_this_repositorys_branch_points_at_the_commit(
    branch: str, trusted: bool, dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    _, _, base = payload("check_suite/rerequested.json")
    _, sha = emulated_repo(base["repository"]["full_name"], FILES, installation_id=base["installation"]["id"])
    event, body, data = _rerun(sha, branch)
    harness = dockgate()
    assert harness.post(event, body).status_code == 202
    assert _planned_trust(harness, data, sha) is trusted


def test_rerun_of_a_commit_a_trusted_event_planned_stays_trusted(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    _, _, base = payload("check_suite/rerequested.json")
    _, sha = emulated_repo(base["repository"]["full_name"], FILES, installation_id=base["installation"]["id"])
    harness = dockgate()
    event, _, requested = payload("check_suite/requested.json")
    requested["check_suite"].update(head_sha=sha, pull_requests=[])
    requested["repository"] = base["repository"]
    requested["installation"] = base["installation"]
    assert harness.post(event, json.dumps(requested).encode()).status_code == 202
    assert _planned_trust(harness, requested, sha) is True
    harness.work()  # the image job completes, so the re-run plans it again
    event, body, data = _rerun(sha, "gone-branch")
    assert harness.post(event, body).status_code == 202
    assert _planned_trust(harness, data, sha) is True
