"""Re-run always: however an image run ends (verdict, error, lost job, superseded), it offers the button."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from attestations.errors import DockgateError
from tests.github_emulator.server import Emulator
from tests.integration.webhooks.conftest import payload, with_head
from workers import jobs, queues
from workers.checks import CheckOutcome
from workers.github import maintenance
from workers.jobs import ImageJobContext

pytestmark = pytest.mark.redis

FILES = {"Dockerfile": "FROM scratch\n"}


class CannotCheck:
    """A stage that gives up with a DockgateError (a bad Dockerfile path, a refused base image...)."""

    def run(self, ctx: ImageJobContext, progress: Callable[[str], None]) -> CheckOutcome:
        progress("reading")
        raise DockgateError("the build context `nowhere/` does not exist: fix `context` in .dockgate.yml")


class Crashes:
    def run(self, ctx: ImageJobContext, progress: Callable[[str], None]) -> CheckOutcome:
        progress("about to crash")
        raise RuntimeError("stage exploded")


def rerun_offered(run: dict[str, Any]) -> bool:
    return [a["identifier"] for a in run.get("actions") or []][:1] == ["rerun"]


def _pr(github_emulator: Emulator, emulated_repo: Callable, name: str = "pull_request/opened.json") -> Any:
    event, body, data = payload(name)
    sha = data["pull_request"]["head"]["sha"]
    emulated_repo("Codertocat/Hello-World", FILES, aliases={sha: "HEAD"})
    return event, body, data, sha


def test_normal_completion_offers_rerun(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    event, body, _, sha = _pr(github_emulator, emulated_repo)
    harness = dockgate()
    harness.post(event, body)
    harness.work()
    [run] = github_emulator.runs(head_sha=sha)
    assert run["conclusion"] == "neutral" and rerun_offered(run)


def test_dockgate_error_offers_rerun_and_the_button_runs_the_check_again(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    event, body, data, sha = _pr(github_emulator, emulated_repo)
    harness = dockgate()
    jobs.runtime().pipeline = CannotCheck()
    harness.post(event, body)
    harness.work()
    [run] = github_emulator.runs(head_sha=sha)
    assert (run["conclusion"], run["output"]["title"]) == ("failure", "dockgate could not check this image")
    assert "does not exist" in run["output"]["summary"] and rerun_offered(run)

    # The user clicks "Re-run": GitHub sends check_run.requested_action with the button's identifier.
    click_event, _, click = payload("check_run/requested_action.json")
    click["requested_action"]["identifier"] = "rerun"
    click["repository"], click["installation"] = data["repository"], data["installation"]
    click["check_run"].update(id=run["id"], name=run["name"], head_sha=sha)
    click["check_run"]["check_suite"]["pull_requests"] = [
        {"number": data["number"], "head": {"sha": sha, "repo": {"id": data["repository"]["id"]}}}
    ]
    jobs.runtime().pipeline = jobs.load_pipeline(harness.settings)
    assert harness.post(click_event, json.dumps(click).encode()).status_code == 202
    harness.work()
    runs = sorted(github_emulator.runs(head_sha=sha), key=lambda r: r["id"])
    assert [r["conclusion"] for r in runs] == ["failure", "neutral"] and rerun_offered(runs[1])


def test_failure_callback_offers_rerun(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    event, body, _, sha = _pr(github_emulator, emulated_repo)
    harness = dockgate()
    jobs.runtime().pipeline = Crashes()
    harness.post(event, body)
    harness.work(queues.HIGH)
    [job_id] = queues.queue(queues.DEFAULT, harness.redis).job_ids
    job = queues.fetch(harness.redis, job_id)
    job.retries_left = 0  # no retry left: on_image_failure completes the run
    job.save()
    harness.work()
    [run] = github_emulator.runs(head_sha=sha)
    assert run["conclusion"] == "failure" and "RuntimeError: stage exploded" in run["output"]["summary"]
    assert rerun_offered(run)


def test_janitor_offers_rerun(dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable) -> None:
    event, body, _, sha = _pr(github_emulator, emulated_repo)
    harness = dockgate()
    harness.post(event, body)
    harness.work(queues.HIGH)
    [job_id] = queues.queue(queues.DEFAULT, harness.redis).job_ids
    queues.fetch(harness.redis, job_id).delete()
    assert maintenance.janitor() == {"closed": 1}
    [run] = github_emulator.runs(head_sha=sha)
    assert "janitor" in run["output"]["summary"] and rerun_offered(run)


def test_superseded_runs_offer_rerun(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    event, body, data, old = _pr(github_emulator, emulated_repo, "pull_request/synchronize.json")
    new = "1" * 40
    github_emulator.repos["Codertocat/Hello-World"]["aliases"][new] = "HEAD"
    harness = dockgate()
    harness.post(event, body)
    harness.work(queues.HIGH)
    harness.post(event, with_head(data, new))
    harness.work(queues.HIGH)  # cancel_superseded finishes the old commit's queued run
    [queued] = github_emulator.runs(head_sha=old)
    assert queued["conclusion"] == "cancelled" and rerun_offered(queued)


def test_running_superseded_job_offers_rerun(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    event, body, _, sha = _pr(github_emulator, emulated_repo, "pull_request/synchronize.json")
    harness = dockgate(image_pipeline="tests.integration.webhooks.pipelines:superseded")
    harness.post(event, body)
    harness.work()
    [run] = github_emulator.runs(head_sha=sha)
    assert run["conclusion"] == "cancelled" and rerun_offered(run)
