"""The full pipeline behind the GitHub App: checkout → `workers.pipeline.run_image` → check outcome.

Selected with `DOCKGATE_IMAGE_PIPELINE=full`-style settings (`workers.service_pipeline:factory`).
Trusted pushes go to the staging registry; fork pull requests to a quarantine namespace that is
never promoted, and they get no network.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from attestations.errors import ConfigError
from workers import backends
from workers.checkout import checkout
from workers.checks import Action, Annotation, CheckOutcome
from workers.jobs import ImageJobContext
from workers.pipeline import PipelineConfig, Source, run_image
from workers.repoconfig import load_repo_config
from workers.runreport import ImageRun, check_annotations, summary, title
from workers.settings import Settings

logger = logging.getLogger(__name__)
QUARANTINE = "quarantine"


class FullPipeline:
    """Builds, checks, signs and attaches; one instance per worker process (backends are reused)."""

    def __init__(self, settings: Settings, engine: Any = None) -> None:
        if settings.staging_registry is None:
            raise ConfigError("the full pipeline needs DOCKGATE_STAGING_REGISTRY")
        self.settings = settings
        self._engine = engine
        self.signer = backends.signer_from_settings(settings)
        self.vulndb = backends.vulndb_from_settings(settings)
        if self.vulndb is None:
            raise ConfigError(
                "the full pipeline needs DOCKGATE_VULNDB (build it with `dockgate vulndb import`)"
            )

    @property
    def engine(self) -> Any:
        if self._engine is None:
            import docker

            self._engine = docker.DockerClient(
                base_url=self.settings.docker_host or "unix:///var/run/docker.sock"
            )
        return self._engine

    def config(self, ctx: ImageJobContext) -> PipelineConfig:
        owner_repo = ctx.repository.lower()
        namespace = owner_repo if ctx.trusted else f"{QUARANTINE}/{owner_repo}"
        return backends.pipeline_config(
            self.settings,
            self.engine,
            registry=self.settings.staging_registry,
            namespace=namespace,
            signer=self.signer,
            vulndb=self.vulndb,
        )

    def run(self, ctx: ImageJobContext, progress: Callable[[str], None]) -> CheckOutcome:
        progress("checkout")
        with checkout(ctx.clone_url, ctx.head_sha, token=ctx.installation_token) as root:
            repo_config = load_repo_config(root)
            spec = next((i for i in repo_config.images if i.name == ctx.image), None)
            if spec is None:
                raise ConfigError(f"image {ctx.image!r} is not in this commit's .dockgate.yml or Dockerfiles")
            source = Source(
                ctx.repository,
                ctx.head_sha,
                ctx.ref,
                ctx.clone_url,
                job_id=f"check-run-{ctx.check_run_id}",
                trusted=ctx.trusted,
            )
            run = run_image(spec, root, repo_config, self.config(ctx), source, progress)
        return outcome(run, promotable=ctx.trusted)


def outcome(run: ImageRun, *, promotable: bool) -> CheckOutcome:
    """The completed check run for `run`: verdict title, stage tables, line annotations, buttons."""
    actions = [Action("Re-run", "Run dockgate again on this commit", "rerun")]
    if promotable and run.verdict.passed and run.reference:
        actions.append(Action("Promote", "Copy this digest to production", "promote"))
    annotations = [
        Annotation(a["path"], a["start_line"], a["end_line"], a["annotation_level"], a["message"], a["title"])
        for a in check_annotations(run)
    ]
    return CheckOutcome(
        run.conclusion,
        title(run),
        summary(run),
        annotations=annotations,
        actions=actions,
    )


def factory(settings: Settings) -> FullPipeline:
    return FullPipeline(settings)
