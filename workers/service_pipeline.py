"""The full pipeline behind the GitHub App: checkout → `workers.pipeline.run_image` → check outcome.

Selected with `DOCKGATE_IMAGE_PIPELINE=full`-style settings (`workers.service_pipeline:factory`).
Trusted pushes go to the staging registry; fork pull requests to a quarantine namespace that is
never promoted, and they get no network.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from attestations.errors import ConfigError, TransientError
from attestations.index import SqlAttestationStore
from attestations.oci import RegistryClient
from attestations.oci.locks import TagLock
from attestations.policy import VerificationPolicy, load_policy_file
from attestations.signing.key_signer import KmsSigner
from attestations.signing.keyless import load_trust_config
from workers import backends, metrics, queues
from workers.baseline import promoted_baseline
from workers.checkout import checkout
from workers.checks import Action, Annotation, CheckOutcome
from workers.jobs import ImageJobContext
from workers.pipeline import PipelineConfig, Source, run_image
from workers.promote import PromotionResult, eligible_ref, promote
from workers.registry_locks import redis_tag_lock
from workers.repoconfig import RepoConfig, load_repo_config
from workers.runreport import ImageRun, StageTiming, check_annotations, summary, title
from workers.settings import Settings

if TYPE_CHECKING:
    from sigstore.models import TrustedRoot

logger = logging.getLogger(__name__)
QUARANTINE = "quarantine"


class FullPipeline:
    """Builds, checks, signs and attaches; one instance per worker process (backends are reused)."""

    def __init__(self, settings: Settings, engine: Any = None) -> None:
        if settings.staging_registry is None:
            raise ConfigError("the full pipeline needs DOCKGATE_STAGING_REGISTRY")
        self.settings = settings
        self._engine = engine
        self._tag_lock: TagLock | None = None
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

    def staging_reference(self, repository: str, image: str, head_sha: str) -> str:
        """Where a trusted build of `image` at `head_sha` was pushed (by tag; resolve before use)."""
        return f"{self.settings.staging_registry}/{repository.lower()}/{image}:{head_sha[:12]}"

    def config(self, ctx: ImageJobContext) -> PipelineConfig:
        owner_repo = ctx.repository.lower()
        namespace = owner_repo if ctx.trusted else f"{QUARANTINE}/{owner_repo}"
        cfg = backends.pipeline_config(
            self.settings,
            self.engine,
            registry=self.settings.staging_registry,
            namespace=namespace,
            signer=self.signer,
            vulndb=self.vulndb,
        )
        # A retried job reuses the evidence a previous attempt attached (same digest, same statements).
        reuse = self.verification_policy() if isinstance(self.signer, KmsSigner) else None
        return dataclasses.replace(
            cfg,
            reuse=reuse,
            tag_lock=self.tag_lock,
            baseline=self.baseline_for(ctx.repository),
            **self._verify_command_trust(),
        )

    def _verify_command_trust(self) -> dict[str, Any]:
        """What the check run's `dockgate verify` command trusts: our public key, or our identity."""
        if isinstance(self.signer, KmsSigner):
            key = self.settings.signing_key_path
            return {"verify_key": key.with_suffix(".pub").name if key else "dockgate.pub"}
        identity, issuer = _keyless_identity()
        return {"verify_identity": (identity, issuer)} if identity and issuer else {}

    def baseline_for(self, repository: str) -> Callable[[str], Mapping[str, Any] | None]:
        """Image name -> the verified scan result of its last promoted image (policy `only_new`)."""
        creds = backends.credentials_from_settings(self.settings)

        def baseline(image: str) -> Mapping[str, Any] | None:
            return promoted_baseline(
                self.store,
                repository,
                image,
                self.verification_policy(),
                lambda host: RegistryClient(host, credentials=creds.get(host)),
            )

        return baseline

    @functools.cached_property
    def store(self) -> SqlAttestationStore:
        """The attestation index (one engine and pool per worker process, made on first use)."""
        return SqlAttestationStore(self.settings.database_url)

    @property
    def tag_lock(self) -> TagLock:
        """Tag updates serialised across all workers (Redis), not just this process."""
        if self._tag_lock is None:
            self._tag_lock = redis_tag_lock(queues.connect(self.settings.redis_url, timeout=30.0))
        return self._tag_lock

    def run(self, ctx: ImageJobContext, progress: Callable[[str], None]) -> CheckOutcome:
        progress("checkout")
        started = time.perf_counter()
        with checkout(ctx.clone_url, ctx.head_sha, token=ctx.installation_token) as root:
            fetched = time.perf_counter() - started
            metrics.STAGE_SECONDS.labels("checkout", "ok").observe(fetched)
            # The same discovery the webhook side ran on the Git tree (default name "app").
            repo_config = load_repo_config(root, default_name="app")
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
            run = dataclasses.replace(run, timings=(StageTiming("checkout", fetched, "ok"), *run.timings))
        result = None
        eligible = False  # Promote is offered only where a promotion can succeed
        if ctx.trusted and run.verdict.passed and run.reference and self.settings.prod_registry:
            default_branch = default_branch_of(ctx)
            eligible = eligible_ref(ctx.ref, default_branch, repo_config.promotion)
            if eligible:
                progress("promote")
                result = self.promote(
                    run.reference,
                    ctx.repository,
                    ctx.head_sha,
                    spec.name,
                    repo_config,
                    default_branch,
                    ref=ctx.ref,
                )
        details = None
        if self.settings.public_url:
            details = f"{self.settings.public_url}/api/v1/reports/{ctx.repository}/{ctx.head_sha}/{spec.name}"
        promotable = eligible and not (result is not None and result.promoted)  # e.g. retry after an outage
        return outcome(run, promotable=promotable, promotion=result, details_url=details)

    def verification_policy(self) -> VerificationPolicy:
        """Who the gate trusts: DOCKGATE_VERIFY_POLICY (several keys/identities with validity windows,
        for rotation) when set, else the key the pipeline signs with (keyless: DOCKGATE_VERIFY_*)."""
        if self.settings.verify_policy_path is not None:
            return load_policy_file(self.settings.verify_policy_path, trusted_root=self._trusted_root)
        if isinstance(self.signer, KmsSigner):
            return VerificationPolicy(public_keys=(self.signer.public_key,))
        identity, issuer = _keyless_identity()
        return VerificationPolicy(identity=identity, issuer=issuer, trusted_root=self._trusted_root())

    def _trusted_root(self) -> TrustedRoot:
        trust = self.settings.sigstore_trust_config_path
        return load_trust_config(str(trust) if trust else self.settings.sigstore_instance).trusted_root

    def promote(
        self,
        reference: str,
        repository: str,
        head_sha: str,
        image: str,
        repo_config: RepoConfig,
        default_branch: str | None,
        ref: str | None = None,
    ) -> PromotionResult:
        """Verify the staging digest again and copy it (with its evidence) to the production registry.

        Tagged `ref`'s name for a release tag (`v1.2.3`), else the commit's short sha."""
        assert self.settings.prod_registry is not None
        creds = backends.credentials_from_settings(self.settings)
        staging_host = reference.split("/", 1)[0]
        prod_host, _, prod_prefix = self.settings.prod_registry.partition("/")
        destination = "/".join(p for p in (prod_prefix, repository.lower(), image) if p)
        with (
            RegistryClient(staging_host, credentials=creds.get(staging_host)) as staging,
            RegistryClient(prod_host, credentials=creds.get(prod_host), tag_lock=self.tag_lock) as production,
        ):
            return promote(
                reference,
                destination_repository=destination,
                tag=production_tag(ref, head_sha),
                staging=staging,
                production=production,
                verification=self.verification_policy(),
                policy=repo_config.policy,
                promotion=repo_config.promotion,
                default_branch=default_branch,
                store=self.store,
                baseline=self.baseline_for(repository)(image) if repo_config.policy.only_new else None,
            )


def _keyless_identity() -> tuple[str | None, str | None]:
    """The certificate identity and issuer this installation signs keyless as (DOCKGATE_VERIFY_*)."""
    return os.environ.get("DOCKGATE_VERIFY_IDENTITY"), os.environ.get("DOCKGATE_VERIFY_ISSUER")


def production_tag(ref: str | None, head_sha: str) -> str:
    """A release tag keeps its name in production (`v1.2.3`); anything else is tagged by commit."""
    if ref and ref.startswith("refs/tags/"):
        name = ref.removeprefix("refs/tags/")
        if _TAG.fullmatch(name):
            return name
    return head_sha[:12]


_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")  # the OCI distribution tag grammar


def outcome(
    run: ImageRun,
    *,
    promotable: bool,
    promotion: PromotionResult | None = None,
    details_url: str | None = None,
) -> CheckOutcome:
    """The completed check run for `run`: verdict title, stage tables, line annotations, buttons."""
    actions = [Action("Re-run", "Run dockgate again on this commit", "rerun")]
    if promotable and run.verdict.passed and run.reference and not (promotion and promotion.promoted):
        actions.append(Action("Promote", "Copy this digest to production", "promote"))
    text = summary(run)
    conclusion = run.conclusion
    if promotion is not None and promotion.promoted:
        text += f"\n### Promotion\n\nPromoted to `{promotion.destination}` after re-verification.\n"
    elif promotion is not None:
        conclusion = "failure"
        text += "\n### Promotion refused\n\n" + "\n".join(f"- {r}" for r in promotion.reasons) + "\n"
    annotations = [
        Annotation(a["path"], a["start_line"], a["end_line"], a["annotation_level"], a["message"], a["title"])
        for a in check_annotations(run)
    ]
    return CheckOutcome(
        conclusion,
        title(run),
        text,
        annotations=annotations,
        actions=actions,
        details_url=details_url,
    )


def default_branch_of(ctx: ImageJobContext) -> str | None:
    """The repository's default branch, read through the API with the installation token."""
    from github import Auth, Github, GithubException

    try:
        with Github(base_url=ctx.api_url, auth=Auth.Token(ctx.installation_token())) as gh:
            return str(gh.get_repo(ctx.repository).default_branch)
    except GithubException as exc:
        raise TransientError(f"could not read the default branch of {ctx.repository}: {exc.status}") from exc


def factory(settings: Settings) -> FullPipeline:
    return FullPipeline(settings)
