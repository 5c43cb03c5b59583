"""Test pipelines plugged in through `DOCKGATE_IMAGE_PIPELINE=tests.integration.webhooks.pipelines:<name>`."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from workers.checks import CheckOutcome
from workers.jobs import ImageJobContext
from workers.settings import Settings


class StallsOnFirstAttempt:
    """First attempt: reports a step, leaves a marker, then hangs (to be SIGKILLed); later: finishes."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def run(self, ctx: ImageJobContext, progress: Callable[[str], None]) -> CheckOutcome:
        progress("first step")
        if not self.marker.exists():
            self.marker.write_text(str(os.getpid()))
            time.sleep(120)
        return CheckOutcome(
            "success", "finished after a restart", f"{ctx.image} finished by pid {os.getpid()}"
        )


class Crashes:
    """Raises an unexpected error every time (a bug in a pipeline stage)."""

    def run(self, ctx: ImageJobContext, progress: Callable[[str], None]) -> CheckOutcome:
        progress("about to crash")
        raise RuntimeError("stage exploded")


def stalls(settings: Settings) -> StallsOnFirstAttempt:
    return StallsOnFirstAttempt(Path(os.environ["DOCKGATE_TEST_MARKER"]))


def crashes(settings: Settings) -> Crashes:
    return Crashes()


class NewerCommitArrivesMidway:
    """While this commit runs, a newer commit lands on its pull request (its plan job marks the head)."""

    def run(self, ctx: ImageJobContext, progress: Callable[[str], None]) -> CheckOutcome:
        from workers import queues
        from workers.jobs import runtime

        progress("building")
        assert ctx.pull_request is not None
        queues.mark_pr_head(runtime().redis, ctx.repository, ctx.pull_request, "2" * 40)
        progress("scanning")  # the job stops here
        return CheckOutcome("success", "must not be reported", "the commit was superseded")


def superseded(settings: Settings) -> NewerCommitArrivesMidway:
    return NewerCommitArrivesMidway()


class RateLimited:
    """GitHub rate-limits this step for 90 s: more than the job may wait inline."""

    def run(self, ctx: ImageJobContext, progress: Callable[[str], None]) -> CheckOutcome:
        from workers.github.errors import GitHubUnavailable

        progress("reading")
        raise GitHubUnavailable(
            "GitHub could not read the Dockerfile (403 secondary rate limit)", retry_after=90
        )


def rate_limited(settings: Settings) -> RateLimited:
    return RateLimited()
