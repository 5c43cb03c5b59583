"""Posting a verdict is a job step of its own: GitHub failing at the end never re-runs a pipeline.

When GitHub is unavailable (5xx, a rate limit past the inline wait budget) just as a job completes
its check run, :func:`complete_or_defer` keeps the outcome in Redis and schedules
:func:`post_outcome` on the high queue, no earlier than GitHub's `Retry-After`. That job retries
with growing intervals, each stretched to `Retry-After`; once none is left,
:func:`on_post_failure` completes the run `failure` with the reason. While the verdict waits, the
run is tracked under the post job's id, so the janitor leaves it alone until that job is over.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

from workers import queues
from workers.checks import RERUN, Action, CheckOutcome, CheckRunWriter
from workers.github.errors import GitHubUnavailable
from workers.jobs import Runtime, failure_reason, honour_retry_after, runtime, writer_for

logger = logging.getLogger(__name__)

OUTCOME_KEY = "dockgate:outcome:{check_run_id}"
OUTCOME_TTL_SECONDS = 7 * 24 * 3600  # far beyond the retries: only a lost job leaves one behind
POST_RETRIES: tuple[int, ...] = (10, 30, 60, 120, 300)  # seconds; each at least GitHub's Retry-After
TITLE_UNPOSTED = "dockgate could not finish this check"


def post_job_id(check_run_id: int) -> str:
    """One post job per check run: a second deferral of the same run reuses a pending one."""
    return queues.job_id("post", check_run_id)


def complete_or_defer(
    rt: Runtime,
    writer: CheckRunWriter,
    *,
    installation_id: int,
    repository: str,
    check_run_id: int,
    outcome: CheckOutcome,
) -> bool:
    """Complete the run with `outcome`; False when GitHub was unavailable and a post job will."""
    posted = 0

    def count(n: int) -> None:
        nonlocal posted
        posted += n

    try:
        writer.complete(check_run_id, outcome, on_batch=count)
    except GitHubUnavailable as exc:
        defer_outcome(
            rt,
            installation_id=installation_id,
            repository=repository,
            check_run_id=check_run_id,
            outcome=_without_first(outcome, posted),  # GitHub appends: never send one twice
            error=exc,
        )
        return False
    queues.forget_run(rt.redis, check_run_id)
    return True


def defer_outcome(
    rt: Runtime,
    *,
    installation_id: int,
    repository: str,
    check_run_id: int,
    outcome: CheckOutcome,
    error: GitHubUnavailable,
) -> str:
    """Hold `outcome` in Redis and schedule :func:`post_outcome`; the janitor now watches that job."""
    jid = post_job_id(check_run_id)
    rt.redis.set(OUTCOME_KEY.format(check_run_id=check_run_id), outcome.to_json(), ex=OUTCOME_TTL_SECONDS)
    spec = queues.JobSpec(
        queue=queues.HIGH,
        func="workers.outcome_job.post_outcome",
        job_id=jid,
        kwargs={"installation_id": installation_id, "repository": repository, "check_run_id": check_run_id},
        timeout=300,
        retries=POST_RETRIES,
        on_failure="workers.outcome_job.on_post_failure",
        description=f"{repository}: post the verdict of check run {check_run_id}",
    )
    # A pending post job of this run posts the newer outcome stored above; a finished one is replaced.
    queues.submit(rt.redis, spec, rerun=True, delay=error.retry_after or 0.0)
    record = queues.run_record(rt.redis, check_run_id) or {
        "installation_id": installation_id,
        "repository": repository,
        "since": time.time(),
    }
    queues.track_run(rt.redis, check_run_id, {**record, "job_id": jid})
    logger.warning(
        "verdict not posted, a post job will: %s",
        error.diagnostics(),
        extra={"repo": repository, "check_run_id": check_run_id, "job_id": jid},
    )
    return jid


def post_outcome(*, installation_id: int, repository: str, check_run_id: int) -> str:
    """RQ job: complete the check run with the verdict held in Redis; returns its conclusion."""
    rt = runtime()
    key = OUTCOME_KEY.format(check_run_id=check_run_id)
    log = {"repo": repository, "check_run_id": check_run_id}
    record = queues.run_record(rt.redis, check_run_id)
    if _taken_over(record, check_run_id):  # the re-run's newer verdict wins, this one is stale
        logger.info("verdict dropped: another job now owns the check run", extra=log)
        rt.redis.delete(key)
        return "superseded"
    writer = writer_for(rt, installation_id, repository)
    held = rt.redis.get(key)
    if isinstance(held, bytes):
        outcome = CheckOutcome.from_json(held)
        remaining = outcome

        def count(n: int) -> None:  # a later attempt starts after the annotations GitHub took
            nonlocal remaining
            remaining = _without_first(remaining, n)
            rt.redis.set(key, remaining.to_json(), keepttl=True)

        writer.complete(check_run_id, outcome, on_batch=count)
    else:
        reason = "The verdict waiting to be posted expired before GitHub accepted it."
        outcome = CheckOutcome("failure", TITLE_UNPOSTED, reason, actions=_actions(record))
        writer.complete(check_run_id, outcome)
    rt.redis.delete(key)
    queues.forget_run(rt.redis, check_run_id)
    logger.info("verdict posted: %s", outcome.conclusion, extra=log)
    return outcome.conclusion


def on_post_failure(job: Any, connection: Any, exc_type: Any, exc_value: Any, tb: Any) -> None:
    """RQ failure callback: wait at least `Retry-After`; with no retry left, fail the run with the reason."""
    reason = failure_reason(exc_type, exc_value)
    if job.retries_left:
        honour_retry_after(job, exc_value)
        logger.warning("posting a verdict failed, will retry: %s", reason, extra={"job_id": job.id})
        return
    try:
        rt = runtime()
        kwargs = job.kwargs or {}
        run_id = int(kwargs["check_run_id"])
        key = OUTCOME_KEY.format(check_run_id=run_id)
        record = queues.run_record(rt.redis, run_id)
        if _taken_over(record, run_id):
            return
        held = rt.redis.get(key)
        verdict = ""
        if isinstance(held, bytes):
            verdict = f" (its verdict was `{CheckOutcome.from_json(held).conclusion}`)"
        writer = writer_for(rt, int(kwargs["installation_id"]), str(kwargs["repository"]))
        writer.finish(
            run_id,
            "failure",
            TITLE_UNPOSTED,
            f"GitHub did not accept this check's result{verdict}: {reason}",
            actions=_actions(record),
        )
        rt.redis.delete(key)
        queues.forget_run(rt.redis, run_id)
    except Exception:  # the janitor completes the run later; never raise from a callback
        logger.exception("could not complete the check run of failed post job %s", job.id)


def _without_first(outcome: CheckOutcome, count: int) -> CheckOutcome:
    """`outcome` without the annotations GitHub already took (it appends them to the run)."""
    return replace(outcome, annotations=tuple(outcome.annotations[count:])) if count else outcome


def _taken_over(record: dict[str, Any] | None, check_run_id: int) -> bool:
    """Whether another job (a re-run reusing the still-open run) now owns the run."""
    return record is not None and record.get("job_id") != post_job_id(check_run_id)


def _actions(record: dict[str, Any] | None) -> tuple[Action, ...]:
    """Offer "Re-run" unless the run is one a re-run cannot redo (a promotion)."""
    return (RERUN,) if record is None or record.get("rerun", True) else ()
