"""The image job: everything around a pipeline run so its check run always finishes.

The pipeline itself (build, lint, SBOM, scan, sign) is an :class:`ImagePipeline` chosen by
settings. The job mints the installation token on demand, moves the check run `queued` →
`in_progress` (one step at a time) → `completed`, stops early with `cancelled` when a newer commit
lands on the same pull request, and leaves failures to :func:`on_image_failure`, which completes
the run once RQ has no retry left.

GitHub being unavailable never costs a rebuild: a step shown on the run that GitHub did not take is
logged and the pipeline goes on; a verdict it did not take is posted by a job of its own
(:mod:`workers.outcome_job`), and this job succeeds.
"""

from __future__ import annotations

import enum
import importlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, assert_never

import redis

from attestations.errors import ConfigError, DockgateError, TransientError
from workers import queues
from workers.checks import RERUN, Action, Annotation, CheckOutcome, CheckRunWriter, with_rerun
from workers.github.auth import GitHubApp
from workers.github.errors import GitHubApiError, GitHubUnavailable
from workers.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["Action", "Annotation", "CheckOutcome", "ImageJobContext", "ImagePipeline", "run_image"]


@dataclass(frozen=True)
class ImageJobContext:
    """What a pipeline needs about one image of one commit. The token is a callable, never a value."""

    installation_id: int
    repository: str
    clone_url: str
    head_sha: str
    ref: str | None
    pull_request: int | None
    trusted: bool
    image: str
    dockerfile: str
    context: str
    check_run_id: int
    api_url: str
    installation_token: Callable[[], str] = field(repr=False, compare=False)


class ImagePipeline(Protocol):
    """One image's pipeline; `progress(step)` shows the step on the check run (and may cancel)."""

    def run(self, ctx: ImageJobContext, progress: Callable[[str], None]) -> CheckOutcome: ...


class Superseded(DockgateError):
    """A newer commit was pushed to the pull request; this commit's work is moot."""


class PipelineKind(enum.Enum):
    """Built-in pipelines; `module:factory` names a plugin taking :class:`Settings`."""

    DOCKERFILE_REPORT = "dockerfile-report"
    FULL = "full"  # build, check, SBOM, scan, sign, attach, promote (workers.service_pipeline)


def load_pipeline(settings: Settings) -> ImagePipeline:
    """The pipeline named by `DOCKGATE_IMAGE_PIPELINE`."""
    name = settings.image_pipeline
    if ":" in name:
        module, _, attr = name.partition(":")
        try:
            factory = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"DOCKGATE_IMAGE_PIPELINE={name!r} cannot be imported: {exc}") from exc
        pipeline: ImagePipeline = factory(settings)
        return pipeline
    try:
        kind = PipelineKind(name)
    except ValueError:
        raise ConfigError(
            f"DOCKGATE_IMAGE_PIPELINE={name!r}: expected full, dockerfile-report or module:factory"
        ) from None
    if kind is PipelineKind.DOCKERFILE_REPORT:
        from workers.github.dockerfile_report import DockerfileReport

        return DockerfileReport()
    if kind is PipelineKind.FULL:
        from workers.service_pipeline import FullPipeline

        return FullPipeline(settings)
    assert_never(kind)


@dataclass
class Runtime:
    """Per-process state of a worker: settings, Redis, the App client and the pipeline."""

    settings: Settings
    redis: redis.Redis
    github: GitHubApp
    pipeline: ImagePipeline


_runtime: Runtime | None = None


def runtime() -> Runtime:
    """The worker's runtime, built from the environment on first use."""
    global _runtime
    if _runtime is None:
        settings = Settings.from_env()
        connection = queues.connect(settings.redis_url, timeout=10.0)
        _runtime = Runtime(settings, connection, GitHubApp(settings, connection), load_pipeline(settings))
    return _runtime


def reset_runtime() -> None:
    """Forget the cached runtime (tests change the environment between cases)."""
    global _runtime
    _runtime = None


def writer_for(rt: Runtime, installation_id: int, repository: str) -> CheckRunWriter:
    return CheckRunWriter(
        rt.github.repository(installation_id, repository),
        report_url=rt.settings.public_url,
        pace=rt.github.write_pacer(installation_id),
    )


def run_image(
    *,
    installation_id: int,
    repository: str,
    clone_url: str,
    head_sha: str,
    ref: str | None,
    pull_request: int | None,
    trusted: bool,
    image: str,
    dockerfile: str,
    context: str,
    check_run_id: int,
) -> str:
    """RQ job: run the pipeline for one image and complete its check run. Returns the conclusion."""
    rt = runtime()
    writer = writer_for(rt, installation_id, repository)
    log = {"repo": repository, "sha": head_sha, "image": image, "check_run_id": check_run_id}
    shown = False  # the run shows `in_progress` once for sure; later steps only if the budget allows

    def progress(step: str) -> None:
        nonlocal shown
        if queues.is_superseded(rt.redis, repository, pull_request, head_sha):
            raise Superseded(f"a newer commit was pushed to pull request #{pull_request}")
        logger.info("step: %s", step, extra=log)
        try:
            shown = writer.in_progress(check_run_id, step, optional=shown) or shown
        except GitHubUnavailable as exc:  # the spinner's text is cosmetic: the verdict must not wait
            logger.warning("step not shown on the check run: %s", exc.diagnostics(), extra=log)
        except GitHubApiError as exc:  # a refusal is a bug or lost permission: loud, yet not fatal here
            logger.error("GitHub refused to show the step: %s", exc.diagnostics(), extra=log)

    ctx = ImageJobContext(
        installation_id=installation_id,
        repository=repository,
        clone_url=clone_url,
        head_sha=head_sha,
        ref=ref,
        pull_request=pull_request,
        trusted=trusted,
        image=image,
        dockerfile=dockerfile,
        context=context,
        check_run_id=check_run_id,
        api_url=rt.settings.github_api_url,
        installation_token=lambda: rt.github.installation_token(installation_id),
    )
    try:
        progress("starting")
        outcome = rt.pipeline.run(ctx, progress)
    except Superseded as exc:
        outcome = CheckOutcome("cancelled", "Cancelled: superseded by a newer commit", exc.diagnostics())
    except TransientError:
        raise  # RQ retries the job; on_image_failure completes the run when retries run out
    except DockgateError as exc:
        outcome = CheckOutcome("failure", "dockgate could not check this image", exc.diagnostics())
    from workers.outcome_job import complete_or_defer  # it builds on this module

    final = with_rerun(outcome)  # "Re-run" always, whatever the pipeline offers
    complete_or_defer(
        rt,
        writer,
        installation_id=installation_id,
        repository=repository,
        check_run_id=check_run_id,
        outcome=final,
    )
    return outcome.conclusion


def failure_reason(exc_type: Any, exc_value: Any) -> str:
    """One line for a check run about why a job failed (a killed worker in plain words)."""
    if isinstance(exc_value, DockgateError):
        return exc_value.diagnostics()
    reason = f"{getattr(exc_type, '__name__', 'error')}: {exc_value}"
    if reason.startswith("AbandonedJobError"):
        return "the worker running this job stopped (killed or lost) before it finished"
    return reason


def on_image_failure(job: Any, connection: Any, exc_type: Any, exc_value: Any, tb: Any) -> None:
    """RQ failure callback: complete the check run once no retry is left (also for killed workers)."""
    kwargs = job.kwargs or {}
    reason = failure_reason(exc_type, exc_value)
    try:
        rt = runtime()
        writer = writer_for(rt, int(kwargs["installation_id"]), str(kwargs["repository"]))
        run_id = int(kwargs["check_run_id"])
        if job.retries_left:
            honour_retry_after(job, exc_value)
            logger.warning("image job failed, will retry: %s", reason, extra={"job_id": job.id})
            writer.in_progress(run_id, f"retrying after an error: {reason}")
            return
        writer.finish(
            run_id,
            "failure",
            "dockgate could not finish this check",
            f"The job failed: {reason}",
            actions=(RERUN,),
        )
        queues.forget_run(rt.redis, run_id)
    except Exception:  # the janitor completes the run later; never raise from a callback
        logger.exception("could not complete the check run of failed job %s", job.id)


def honour_retry_after(job: Any, exc: BaseException) -> None:
    """Stretch the next retry interval to GitHub's `Retry-After` (RQ reads it right after this callback)."""
    wait = getattr(exc, "retry_after", None)
    intervals = list(job.retry_intervals or [0])
    if wait is None or not job.retries_left:
        return
    index = max(len(intervals) - int(job.retries_left), 0)
    index = min(index, len(intervals) - 1)
    intervals[index] = max(int(intervals[index]), math.ceil(float(wait)))
    job.retry_intervals = intervals
