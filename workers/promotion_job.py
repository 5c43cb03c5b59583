"""The "Promote" check-run button: promote the digest a trusted build of that commit pushed to staging.

The caller has already checked the sender's permission through the API. The digest is resolved
from the staging registry (trusted builds only: fork builds live in a quarantine namespace this
never reads) and then goes through the same gate as an automatic promotion: signatures, required
attestations, provenance ref and policy are verified again before anything is copied.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from attestations.oci import NotFound, RegistryClient, load_credentials, parse_reference
from workers.checks import CheckOutcome
from workers.github.ratelimit import call_github
from workers.repoconfig import parse_repo_config
from workers.service_pipeline import FullPipeline

if TYPE_CHECKING:
    from workers.jobs import Runtime

logger = logging.getLogger(__name__)
PROMOTION_PREFIX = "dockgate/promote/"


def promote_action(rt: Runtime, *, installation_id: int, repository: str, head_sha: str, image: str) -> str:
    """Run the promotion gate for one image of a commit and report it as its own check run."""
    from workers.github.commits import _paths_and_config
    from workers.jobs import writer_for

    pipeline = rt.pipeline
    writer = writer_for(rt, installation_id, repository)
    name = PROMOTION_PREFIX + image
    if not isinstance(pipeline, FullPipeline) or not rt.settings.prod_registry:
        run_id = writer.create_queued(name, head_sha, external_id=f"promote-{head_sha[:12]}-{image}")
        writer.finish(
            run_id,
            "neutral",
            "Promotion is not configured",
            "Set DOCKGATE_PROD_REGISTRY and the full pipeline to promote images.",
        )
        return "unavailable"
    _, config_text = _paths_and_config(rt, installation_id, repository, head_sha)
    repo_config = parse_repo_config(config_text)
    repo = rt.github.repository(installation_id, repository)
    default_branch = str(call_github("read the default branch", lambda: repo.default_branch))
    run_id = writer.create_queued(name, head_sha, external_id=f"promote-{head_sha[:12]}-{image}")
    writer.in_progress(run_id, "verifying the staging digest")
    tagged = parse_reference(pipeline.staging_reference(repository, image, head_sha))
    creds = pipeline.settings.registry_credentials_path
    try:
        credentials = load_credentials(creds).get(tagged.registry) if creds else None
        with RegistryClient(tagged.registry, credentials=credentials) as staging:
            digest = staging.get_manifest(tagged.repository, tagged.reference).digest
    except NotFound:
        writer.finish(
            run_id,
            "failure",
            "Nothing to promote",
            f"No trusted build of `{image}` at {head_sha[:12]} is in the staging registry.",
        )
        return "missing"
    reference = f"{tagged.registry}/{tagged.repository}@{digest}"
    result = pipeline.promote(reference, repository, head_sha, image, repo_config, default_branch)
    if result.promoted:
        summary = f"Promoted `{reference}` to `{result.destination}` after re-verifying its evidence."
        writer.complete(run_id, CheckOutcome("success", "Promoted to production", summary))
        return "promoted"
    reasons = "\n".join(f"- {r}" for r in result.reasons)
    writer.complete(
        run_id, CheckOutcome("failure", "Promotion refused", f"`{reference}` was not promoted:\n\n{reasons}")
    )
    return "refused"
