"""The "Promote" button's run `dockgate/promote/<image>` is tracked while open and always finishes.

The gate's registry copy is replaced by a stand-in (the real one is covered in
tests/integration/pipeline/): the staging digest is resolved for real from the staging registry,
then the copy fails, times out or recovers from a transient error.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from attestations.errors import TransientError
from attestations.oci import RegistryError
from tests.github_emulator.server import Emulator
from tests.integration.webhooks.conftest import Harness, payload
from workers import jobs, queues
from workers.checks import CheckRunWriter
from workers.github import maintenance
from workers.github.auth import GitHubApp
from workers.promote import PromotionResult
from workers.promotion_job import on_action_failure
from workers.service_pipeline import FullPipeline

pytestmark = [pytest.mark.redis, pytest.mark.registry]

FILES = {"Dockerfile": "FROM scratch\n"}
NAME = "dockgate/promote/app"


@dataclass
class FakeGate:
    """Stands in for FullPipeline's copy: `failures` are raised one per attempt, then it promotes."""

    staging: str
    failures: list[BaseException] = field(default_factory=list)
    sleep: float = 0.0
    tracked: list[dict[int, dict[str, Any]]] = field(default_factory=list)
    before_result: Callable[[], None] = lambda: None

    def install(self, settings: Any) -> FullPipeline:
        pipeline = FullPipeline.__new__(FullPipeline)
        pipeline.settings = settings
        pipeline.staging_reference = lambda *a: f"{self.staging}/dockgate-base/busybox:1.35"  # type: ignore[method-assign]
        pipeline.promote = self.promote  # type: ignore[method-assign]
        jobs.runtime().pipeline = pipeline
        return pipeline

    def promote(self, reference: str, *args: Any) -> PromotionResult:
        self.tracked.append(queues.active_runs(jobs.runtime().redis))
        time.sleep(self.sleep)
        if self.failures:
            raise self.failures.pop(0)
        self.before_result()
        return PromotionResult(True, (), reference, destination="127.0.0.1:5002/octo/app:abc")


def click_promote(harness: Harness, github_emulator: Emulator, emulated_repo: Callable) -> tuple[str, str]:
    event, _, data = payload("check_run/requested_action.json")
    data["requested_action"]["identifier"] = "promote"
    repo, sha = data["repository"]["full_name"], data["check_run"]["head_sha"]
    emulated_repo(repo, FILES, installation_id=data["installation"]["id"], aliases={sha: "HEAD"})
    github_emulator.permissions[(repo, data["sender"]["login"])] = "write"
    data["check_run"].update(name="dockgate/app")
    response = harness.post(event, json.dumps(data).encode())
    [job_id] = response.json["jobs"]
    return job_id, sha


@pytest.fixture
def harness(dockgate: Callable, staging_registry: str) -> Harness:
    h: Harness = dockgate(staging_registry=staging_registry, prod_registry="127.0.0.1:5002")
    return h


def test_a_failing_copy_completes_the_run_with_the_reason(
    harness: Harness, github_emulator: Emulator, emulated_repo: Callable, staging_registry: str
) -> None:
    gate = FakeGate(
        staging_registry, failures=[RegistryError("registry 127.0.0.1:5002 refused PUT manifest")]
    )
    gate.install(harness.settings)
    job_id, sha = click_promote(harness, github_emulator, emulated_repo)
    harness.work()
    assert queues.fetch(harness.redis, job_id).return_value() == "error"
    [run] = github_emulator.runs(NAME, head_sha=sha)
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert "refused PUT manifest" in run["output"]["summary"] and not run.get("actions")
    [tracked] = gate.tracked  # open and tracked for the janitor while the copy ran ...
    assert tracked[run["id"]]["job_id"] == job_id and tracked[run["id"]]["kind"] == "promote"
    assert queues.active_runs(harness.redis) == {}  # ... and forgotten once completed


def test_a_transient_error_retries_into_one_completed_run(
    harness: Harness, github_emulator: Emulator, emulated_repo: Callable, staging_registry: str
) -> None:
    gate = FakeGate(staging_registry, failures=[TransientError("registry 127.0.0.1:5002 answered 503")])
    gate.install(harness.settings)
    job_id, sha = click_promote(harness, github_emulator, emulated_repo)
    harness.work()  # the first retry interval is 0: the second attempt runs in the same burst
    assert queues.fetch(harness.redis, job_id).return_value() == "promoted"
    [run] = github_emulator.runs(NAME, head_sha=sha)
    assert (run["status"], run["conclusion"]) == ("completed", "success")
    assert any((t or "").startswith("retrying after an error: registry") for t in run["titles"])
    assert queues.active_runs(harness.redis) == {}


def test_a_result_github_cannot_take_is_posted_later_without_promoting_again(
    harness: Harness, github_emulator: Emulator, emulated_repo: Callable, staging_registry: str
) -> None:
    unavailable = {"Retry-After": "0"}  # the inline retries give up at once; the post job runs next
    github_emulator.allow_contract_errors = True  # an injected 503 is outside the described responses
    gate = FakeGate(
        staging_registry,
        before_result=lambda: github_emulator.inject("checks/update", 503, {"message": "x"}, unavailable, 3),
    )
    gate.install(harness.settings)
    job_id, sha = click_promote(harness, github_emulator, emulated_repo)
    harness.work()
    assert queues.fetch(harness.redis, job_id).return_value() == "promoted"
    assert len(gate.tracked) == 1  # promoted once: only posting the result was retried
    [run] = github_emulator.runs(NAME, head_sha=sha)
    assert (run["status"], run["conclusion"]) == ("completed", "success") and not run.get("actions")
    assert run["history"].count("completed") == 1
    assert queues.active_runs(harness.redis) == {}


def test_running_out_of_time_completes_the_run_timed_out(
    harness: Harness, github_emulator: Emulator, emulated_repo: Callable, staging_registry: str
) -> None:
    FakeGate(staging_registry, sleep=5).install(harness.settings)
    job_id, sha = click_promote(harness, github_emulator, emulated_repo)
    job = queues.fetch(harness.redis, job_id)
    job.timeout = 2
    job.save()
    harness.work()
    [run] = github_emulator.runs(NAME, head_sha=sha)
    assert (run["status"], run["conclusion"]) == ("completed", "timed_out")
    assert "ran out of its time of 2 s" in run["output"]["summary"]
    assert queues.active_runs(harness.redis) == {}


def _open_promotion_run(harness: Harness, job_id: str) -> int:
    _, _, data = payload("check_run/requested_action.json")
    repo = data["repository"]["full_name"]
    writer = CheckRunWriter(GitHubApp(harness.settings, harness.redis).repository(1, repo))
    run_id = writer.create_queued(NAME, "c" * 40, external_id="promote-x")
    writer.in_progress(run_id, "copying")
    record = {"installation_id": 1, "repository": repo, "job_id": job_id, "rerun": False, "kind": "promote"}
    queues.track_run(harness.redis, run_id, record)
    return run_id


@dataclass
class DeadJob:
    id: str
    retries_left: int = 0


def test_failure_callback_closes_the_promotion_run_of_a_dead_job(
    harness: Harness, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    _, _, data = payload("check_run/requested_action.json")
    emulated_repo(data["repository"]["full_name"], FILES)
    run_id = _open_promotion_run(harness, "action-1")
    on_action_failure(DeadJob("action-1", retries_left=1), None, RuntimeError, RuntimeError("x"), None)
    assert github_emulator.check_runs[run_id]["status"] == "in_progress"  # a retry will reuse it
    on_action_failure(DeadJob("action-1"), None, RuntimeError, RuntimeError("work horse killed"), None)
    run = github_emulator.check_runs[run_id]
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert "work horse killed" in run["output"]["summary"] and not run.get("actions")
    assert queues.active_runs(harness.redis) == {}


def test_janitor_closes_a_lost_promotion_run_without_a_rerun_button(
    harness: Harness, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    _, _, data = payload("check_run/requested_action.json")
    emulated_repo(data["repository"]["full_name"], FILES)
    run_id = _open_promotion_run(harness, "action-gone")
    assert maintenance.janitor() == {"closed": 1}
    run = github_emulator.check_runs[run_id]
    assert (run["status"], run["conclusion"]) == ("completed", "failure") and not run.get("actions")
