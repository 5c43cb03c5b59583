"""A transient GitHub error retries the job step, not the verdict: the pipeline never runs twice for it.

Progress updates GitHub fails to take are skipped; a verdict it fails to take is posted by a post job
of its own (after `Retry-After`), or, once that job has no retry left, the run ends `failure` with
the reason. The counting pipeline runs in-process (SimpleWorker), so its counter sees every rerun.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from tests.github_emulator.server import Emulator
from tests.integration.webhooks.conftest import Harness, payload, work_until_completed
from workers import jobs, outcome_job, queues
from workers.checks import Action, Annotation, CheckOutcome
from workers.github import maintenance
from workers.jobs import ImageJobContext

pytestmark = [pytest.mark.redis, pytest.mark.slow]

FILES = {"Dockerfile": "FROM scratch\n"}
SERVER_ERROR = {"message": "Server Error"}
SECONDARY = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes."}
VERDICT = CheckOutcome(
    "success",
    "No blocking findings",
    "1 notice, nothing that blocks.",
    text="The full report.",
    annotations=(Annotation("Dockerfile", 1, 1, "notice", "pin the base image by digest", title="DG101"),),
    actions=(Action("Promote", "Promote this image to production", "promote"),),
    details_url="https://dockgate.example/reports/1",
)


class Counting:
    """Reports two steps and returns :data:`VERDICT`; `before_verdict` may break GitHub first."""

    def __init__(self, before_verdict: Callable[[], None] = lambda: None) -> None:
        self.runs = 0
        self.before_verdict = before_verdict

    def run(self, ctx: ImageJobContext, progress: Callable[[str], None]) -> CheckOutcome:
        self.runs += 1
        progress("building")
        progress("scanning")
        self.before_verdict()
        return VERDICT


def _start(harness: Harness, github_emulator: Emulator, emulated_repo: Callable, pipeline: Counting) -> str:
    event, body, data = payload("pull_request/opened.json")
    sha = str(data["pull_request"]["head"]["sha"])
    emulated_repo("Codertocat/Hello-World", FILES, aliases={sha: "HEAD"})
    github_emulator.allow_contract_errors = True  # injected 429/502/503 are outside the described responses
    jobs.runtime().pipeline = pipeline
    assert harness.post(event, body).status_code == 202
    return sha


def _work_until_completed(harness: Harness, github_emulator: Emulator, sha: str, timeout: float = 60) -> Any:
    [run] = work_until_completed(harness, github_emulator, sha, timeout)
    return run


def _ending(run: dict[str, Any]) -> tuple[str, str | None, str | None]:
    return run["status"], run["conclusion"], run["output"]["title"]


def _completions(run: dict[str, Any]) -> int:
    return sum(status == "completed" for status in run["history"])


def test_progress_updates_github_refuses_do_not_rerun_the_pipeline(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    harness = dockgate()
    pipeline = Counting()
    sha = _start(harness, github_emulator, emulated_repo, pipeline)
    # "starting" meets three 502s (the inline retries give up), "building" a long secondary limit,
    # "scanning" a refusal (a 4xx on a spinner update is logged too: it must not cost the verdict).
    github_emulator.inject("checks/update", 502, SERVER_ERROR, times=3)
    github_emulator.inject("checks/update", 429, SECONDARY, {"Retry-After": "60"})
    github_emulator.inject("checks/update", 422, {"message": "Validation Failed"})
    harness.work()
    [run] = github_emulator.runs(head_sha=sha)
    assert pipeline.runs == 1
    assert _ending(run) == ("completed", "success", VERDICT.title)
    assert _completions(run) == 1 and not {"starting", "building", "scanning"} & set(run["titles"])
    assert len(github_emulator.calls("checks/update")) == 3 + 1 + 1 + 1  # three steps failed, one verdict
    assert not queues.active_runs(harness.redis)
    assert queues.fetch(harness.redis, outcome_job.post_job_id(run["id"])) is None


@pytest.mark.parametrize(
    ("status", "body", "headers", "times", "wait"),
    [
        (502, SERVER_ERROR, {}, 3, 8),  # the inline retries give up; the last backoff is 8 s
        (429, SECONDARY, {"Retry-After": "12"}, 1, 12),
    ],
    ids=["502", "429-retry-after"],
)
def test_a_verdict_github_refuses_is_posted_later_without_rerunning_the_pipeline(
    dockgate: Callable,
    github_emulator: Emulator,
    emulated_repo: Callable,
    status: int,
    body: dict[str, str],
    headers: dict[str, str],
    times: int,
    wait: int,
) -> None:
    harness = dockgate()
    pipeline = Counting(lambda: github_emulator.inject("checks/update", status, body, headers, times))
    sha = _start(harness, github_emulator, emulated_repo, pipeline)
    harness.work()
    [run] = github_emulator.runs(head_sha=sha)
    assert run["status"] == "in_progress" and pipeline.runs == 1

    # The image job succeeded with the verdict; posting it is scheduled no earlier than GitHub asked.
    [image_job] = [
        queues.fetch(harness.redis, jid)
        for jid in queues.queue(queues.DEFAULT, harness.redis).finished_job_registry.get_job_ids()
    ]
    assert image_job is not None and image_job.return_value() == "success"
    post_id = outcome_job.post_job_id(run["id"])
    registry = ScheduledJobRegistry(queue=queues.queue(queues.HIGH, harness.redis), serializer=JSONSerializer)
    assert post_id in registry.get_job_ids()
    assert registry.get_scheduled_time(post_id) >= datetime.now(UTC) + timedelta(seconds=wait - 3)

    # The janitor sees a pending post job, not a finished image job that left its run open.
    assert queues.active_runs(harness.redis)[run["id"]]["job_id"] == post_id
    assert maintenance.janitor() == {"closed": 0}
    assert github_emulator.runs(head_sha=sha)[0]["status"] == "in_progress"

    run = _work_until_completed(harness, github_emulator, sha)
    assert pipeline.runs == 1
    assert _ending(run) == ("completed", "success", VERDICT.title)
    assert _completions(run) == 1
    assert run["output"]["text"] == VERDICT.text and run["details_url"] == VERDICT.details_url
    assert [a["identifier"] for a in run["actions"]] == ["rerun", "promote"]
    assert [a["message"] for a in github_emulator.annotations[run["id"]]] == ["pin the base image by digest"]
    assert not queues.active_runs(harness.redis)
    assert not harness.redis.exists(outcome_job.OUTCOME_KEY.format(check_run_id=run["id"]))


def test_a_verdict_that_cannot_be_posted_ends_the_run_as_failure_with_the_reason(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outcome_job, "POST_RETRIES", (0, 0))
    # Every attempt makes three calls (inline retries): the image job's, then the post job's three.
    unavailable = 3 * (1 + 3)
    harness = dockgate()
    pipeline = Counting(
        lambda: github_emulator.inject("checks/update", 503, SERVER_ERROR, {"Retry-After": "0"}, unavailable)
    )
    sha = _start(harness, github_emulator, emulated_repo, pipeline)
    run = _work_until_completed(harness, github_emulator, sha)
    assert pipeline.runs == 1
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert run["output"]["title"] == outcome_job.TITLE_UNPOSTED
    assert "its verdict was `success`" in run["output"]["summary"]
    assert "GitHub could not complete a check run (503" in run["output"]["summary"]
    assert [a["identifier"] for a in run["actions"]] == ["rerun"]
    post_job = queues.fetch(harness.redis, outcome_job.post_job_id(run["id"]))
    assert post_job is not None and post_job.get_status() == "failed"
    assert len(github_emulator.calls("checks/update")) == 3 + unavailable + 1  # steps, failures, failure
    assert not queues.active_runs(harness.redis)
    assert not harness.redis.exists(outcome_job.OUTCOME_KEY.format(check_run_id=run["id"]))


def test_annotations_github_took_before_failing_are_not_sent_again(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    """120 annotations go in three PATCHes; GitHub appends them, so a retry sends only the rest."""
    many = tuple(Annotation("Dockerfile", 1, 1, "warning", f"finding {i}", title="DG1") for i in range(120))
    verdict = CheckOutcome("failure", "120 findings", "Many findings.", annotations=many)

    class Many(Counting):
        def run(self, ctx: ImageJobContext, progress: Callable[[str], None]) -> CheckOutcome:
            super().run(ctx, progress)
            return verdict

    harness = dockgate()
    # The first batch is taken; the second meets 502s (inline retries give up), then the post job
    # meets one more on its first try of that same batch.
    pipeline = Many(lambda: github_emulator.inject("checks/update", 502, SERVER_ERROR, times=4, after=1))
    sha = _start(harness, github_emulator, emulated_repo, pipeline)
    run = _work_until_completed(harness, github_emulator, sha)
    assert pipeline.runs == 1
    assert (run["status"], run["conclusion"]) == ("completed", "failure") and _completions(run) == 1
    messages = [a["message"] for a in github_emulator.annotations[run["id"]]]
    assert messages == [f"finding {i}" for i in range(120)]  # each once, in order
