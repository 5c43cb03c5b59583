"""Test pipelines for the drills: `DOCKGATE_IMAGE_PIPELINE=tests.integration.pipeline.pipelines:<name>`."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from workers.checks import CheckOutcome
from workers.jobs import ImageJobContext
from workers.service_pipeline import FullPipeline
from workers.settings import Settings


class StallsAtAttest(FullPipeline):
    """The real pipeline; on the first attempt it stops when signing starts, to be SIGKILLed there."""

    def __init__(self, settings: Settings, marker: Path) -> None:
        super().__init__(settings)
        self.marker = marker

    def run(self, ctx: ImageJobContext, progress: Callable[[str], None]) -> CheckOutcome:
        def watched(step: str) -> None:
            progress(step)
            if step == "attest" and not self.marker.exists():
                self.marker.write_text(str(os.getpid()))  # the image is pushed; nothing is attached yet
                time.sleep(300)

        return super().run(ctx, watched)


def stalls_at_attest(settings: Settings) -> StallsAtAttest:
    return StallsAtAttest(settings, Path(os.environ["DOCKGATE_TEST_MARKER"]))
