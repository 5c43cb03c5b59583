"""The "Promote" check-run button: promote the digest a trusted build of that commit pushed to staging.

The caller has already checked the sender's permission through the API. The digest is resolved
from the staging registry (trusted builds only: fork builds live in a quarantine namespace this
never reads) and then goes through the same gate as an automatic promotion: signatures, required
attestations, provenance ref and policy are verified again before anything is copied.

Its check run `dockgate/promote/<image>` is never left in progress: it is tracked for the janitor
while open; an error completes it with the reason (a transient one shows "retrying" instead while
RQ has a retry left); running out of the job's time completes it `timed_out`; and
:func:`on_action_failure` (the job's failure callback) closes it if the job dies another way. A
result GitHub is unavailable to take is posted by a post job (:mod:`workers.outcome_job`): the
promotion is not redone for it.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from rq import get_current_job
from rq.timeouts import JobTimeoutException

from attestations.errors import DockgateError, TransientError
from attestations.oci import NotFound, RegistryClient, load_credentials, parse_reference
from workers import queues
from workers.checks import CheckOutcome, CheckRunWriter
from workers.github.ratelimit import call_github
from workers.outcome_job import complete_or_defer
from workers.repoconfig import parse_repo_config
from workers.service_pipeline import FullPipeline

if TYPE_CHECKING:
    from workers.jobs import Runtime

logger = logging.getLogger(__name__)
PROMOTION_PREFIX = "dockgate/promote/"
TITLE_FAILED = "Promotion failed; production is unchanged"


def promote_action(rt: Runtime, *, installation_id: int, repository: str, head_sha: str, image: str) -> str:
    """Run the promotion gate for one image of a commit and report it as its own check run."""
    from workers.jobs import writer_for

    pipeline = rt.pipeline
    writer = writer_for(rt, installation_id, repository)
    name = PROMOTION_PREFIX + image
    external_id = f"promote-{head_sha[:12]}-{image}"
    if not isinstance(pipeline, FullPipeline) or not rt.settings.prod_registry:
        run_id = writer.create_queued(name, head_sha, external_id=external_id)
        writer.finish(
            run_id,
            "neutral",
            "Promotion is not configured",
            "Set DOCKGATE_PROD_REGISTRY and the full pipeline to promote images.",
            actions=(),
        )
        return "unavailable"
    run_id = writer.create_queued(name, head_sha, external_id=external_id)
    job = get_current_job()
    record = {
        "installation_id": installation_id,
        "repository": repository,
        "job_id": job.id if job is not None else "",
        "since": time.time(),
        "rerun": False,  # "Re-run" re-plans image checks; it cannot redo a promotion
        "kind": "promote",
    }
    queues.track_run(rt.redis, run_id, record)
    log = {"repo": repository, "sha": head_sha, "image": image, "check_run_id": run_id}
    try:
        result, outcome = _gate(rt, pipeline, writer, run_id, installation_id, repository, head_sha, image)
        complete_or_defer(
            rt,
            writer,
            installation_id=installation_id,
            repository=repository,
            check_run_id=run_id,
            outcome=outcome,
        )
    except JobTimeoutException:
        limit = f" of {job.timeout} s" if job is not None and job.timeout else ""
        logger.error("promotion ran out of time", extra=log)
        _end(rt, writer, run_id, "timed_out", f"The promotion job ran out of its time{limit}.")
        return "timed-out"
    except Exception as exc:
        reason = exc.diagnostics() if isinstance(exc, DockgateError) else f"{type(exc).__name__}: {exc}"
        if isinstance(exc, TransientError) and job is not None and job.retries_left:
            logger.warning("promotion failed, will retry: %s", reason, extra=log)
            writer.in_progress(run_id, f"retrying after an error: {reason}")
            raise  # RQ retries the job; its next attempt reuses this run (same external id)
        logger.exception("promotion failed: %s", reason, extra=log)
        _end(rt, writer, run_id, "failure", f"The promotion could not finish: {reason}")
        return "error"
    return result


def _gate(
    rt: Runtime,
    pipeline: FullPipeline,
    writer: CheckRunWriter,
    run_id: int,
    installation_id: int,
    repository: str,
    head_sha: str,
    image: str,
) -> tuple[str, CheckOutcome]:
    """The gate's result and the outcome to complete the run with (the caller posts it)."""
    from workers.github.commits import _paths_and_config

    writer.in_progress(run_id, "verifying the staging digest")
    _, config_text = _paths_and_config(rt, installation_id, repository, head_sha)
    repo_config = parse_repo_config(config_text)
    repo = rt.github.repository(installation_id, repository)
    default_branch = str(call_github("read the default branch", lambda: repo.default_branch))
    tagged = parse_reference(pipeline.staging_reference(repository, image, head_sha))
    creds = pipeline.settings.registry_credentials_path
    try:
        credentials = load_credentials(creds).get(tagged.registry) if creds else None
        with RegistryClient(tagged.registry, credentials=credentials) as staging:
            digest = staging.get_manifest(tagged.repository, tagged.reference).digest
    except NotFound:
        missing = f"No trusted build of `{image}` at {head_sha[:12]} is in the staging registry."
        return "missing", CheckOutcome("failure", "Nothing to promote", missing)
    reference = f"{tagged.registry}/{tagged.repository}@{digest}"
    result = pipeline.promote(reference, repository, head_sha, image, repo_config, default_branch)
    if result.promoted:
        summary = f"Promoted `{reference}` to `{result.destination}` after re-verifying its evidence."
        return "promoted", CheckOutcome("success", "Promoted to production", summary)
    reasons = "\n".join(f"- {r}" for r in result.reasons)
    return "refused", CheckOutcome(
        "failure", "Promotion refused", f"`{reference}` was not promoted:\n\n{reasons}"
    )


def _end(rt: Runtime, writer: CheckRunWriter, run_id: int, conclusion: Any, reason: str) -> None:
    """Complete the promotion run with the reason; if GitHub cannot be reached, the janitor will."""
    writer.finish(run_id, conclusion, TITLE_FAILED, reason, actions=())
    queues.forget_run(rt.redis, run_id)


def on_action_failure(job: Any, connection: Any, exc_type: Any, exc_value: Any, tb: Any) -> None:
    """RQ failure callback of the check-run action job: close its open promotion run once no retry is left.

    Covers what :func:`promote_action` cannot catch itself (a killed work horse, a hard timeout).
    """
    from workers.jobs import runtime, writer_for

    if job.retries_left:
        return  # the next attempt reuses the run
    reason = (
        exc_value.diagnostics()
        if isinstance(exc_value, DockgateError)
        else f"{getattr(exc_type, '__name__', 'error')}: {exc_value}"
    )
    try:
        rt = runtime()
        for run_id, record in queues.active_runs(rt.redis).items():
            if record.get("job_id") != job.id or record.get("kind") != "promote":
                continue
            writer = writer_for(rt, int(record["installation_id"]), str(record["repository"]))
            if writer.status(run_id) != "completed":
                writer.finish(
                    run_id, "failure", TITLE_FAILED, f"The promotion job failed: {reason}", actions=()
                )
            queues.forget_run(rt.redis, run_id)
    except Exception:  # the janitor completes the run later; never raise from a callback
        logger.exception("could not complete the promotion run of failed job %s", job.id)
