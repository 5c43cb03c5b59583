"""The promotion gate: verify the staging digest again, then copy exactly it to production.

Nothing here trusts a database flag or a previous verdict. Before copying, the image's signature
and every required attestation are verified against our signing identity, their subjects must be
the digest, the provenance must show a trusted build of a promotable ref, and the policy is
re-evaluated on the attestations' own content. The copy tags production last, so a failure
leaves production without a new tag (the registry client retries 5xx/429 with backoff).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from attestations.index import AttestationStore
from attestations.oci import ImageReference, RegistryClient, parse_reference
from attestations.policy import VerificationPolicy
from attestations.promote import copy_image_with_attestations
from attestations.statements import CYCLONEDX, IMAGE_SIGNATURE, LINT, SLSA_PROVENANCE_V1, VULNERABILITY
from attestations.verify import VerificationReport, verify_image
from workers.repoconfig import PolicyConfig, PromotionConfig
from workers.scan.gate import baseline_keys
from workers.scan.severity import level_rank

logger = logging.getLogger(__name__)
REQUIRED = (IMAGE_SIGNATURE, CYCLONEDX, VULNERABILITY, SLSA_PROVENANCE_V1, LINT)


@dataclass(frozen=True)
class PromotionResult:
    promoted: bool
    reasons: tuple[str, ...]
    source: str
    destination: str | None = None
    verification: VerificationReport | None = None


def eligible_ref(ref: str | None, default_branch: str | None, promotion: PromotionConfig) -> bool:
    """A push to the default branch (or a configured branch) or a matching tag (default `v*`)."""
    if not ref:
        return False
    if ref.startswith("refs/tags/"):
        tag = ref.removeprefix("refs/tags/")
        return any(fnmatch.fnmatchcase(tag, pattern) for pattern in (promotion.tags or ("v*",)))
    branch = ref.removeprefix("refs/heads/")
    return branch == default_branch or branch in promotion.branches


def evidence_reasons(
    report: VerificationReport,
    policy: PolicyConfig,
    *,
    default_branch: str | None,
    promotion: PromotionConfig,
    baseline: Mapping[str, Any] | None = None,
) -> list[str]:
    """Why the verified attestations do not allow promotion (empty when they do).

    `baseline`: the verified scan result of the image last promoted (policy `only_new`)."""
    reasons = [f"required attestation {t} is missing or does not verify" for t in report.missing]
    for statement in report.statements(SLSA_PROVENANCE_V1):
        definition = statement.predicate.get("buildDefinition", {})
        external = definition.get("externalParameters", {})
        if not definition.get("internalParameters", {}).get("trusted"):
            reasons.append("the provenance shows an untrusted build (a fork pull request)")
        if not eligible_ref(external.get("ref"), default_branch, promotion):
            reasons.append(
                f"built from {external.get('ref') or 'no ref'}, not the default branch or a release tag"
            )
    for statement in report.statements(VULNERABILITY):
        result = statement.predicate.get("scanner", {}).get("result", {})
        reasons.extend(_vuln_reasons(result.get("findings") or [], policy, baseline))
    for statement in report.statements(LINT):
        errors = [
            r
            for run in statement.predicate.get("runs", [])
            for r in run.get("results", [])
            if r.get("level") == "error"
        ]
        reasons.extend(
            f"lint error {r.get('ruleId')}: {r.get('message', {}).get('text', '')}" for r in errors
        )
    return reasons


def _vuln_reasons(
    findings: Sequence[dict[str, Any]], policy: PolicyConfig, baseline: Mapping[str, Any] | None = None
) -> list[str]:
    threshold = level_rank(policy.fail_on)
    known = baseline_keys(baseline) if policy.only_new and baseline is not None else None
    out = []
    for f in findings:
        if level_rank(str(f.get("severity", "unknown"))) < threshold:
            continue
        if policy.only_fixed and not f.get("fixed_versions"):
            continue
        aliases = f.get("aliases")
        ids = [f.get("id"), *(aliases if isinstance(aliases, list) else ())]
        if known is not None and any(
            (str(f.get("ecosystem")), str(f.get("package")), str(i)) in known for i in ids
        ):
            continue  # present in the last promoted image: not new
        out.append(f"vulnerability {f.get('id')} ({f.get('severity')}) in {f.get('purl')}")
    return out


def promote(
    source: str,
    *,
    destination_repository: str,
    tag: str,
    staging: RegistryClient,
    production: RegistryClient,
    verification: VerificationPolicy,
    policy: PolicyConfig,
    promotion: PromotionConfig,
    default_branch: str | None,
    store: AttestationStore | None = None,
    baseline: Mapping[str, Any] | None = None,
) -> PromotionResult:
    """Verify `source` (registry/repository@digest in staging) and copy it to production if allowed."""
    ref = parse_reference(source)
    if ref.digest is None:
        return PromotionResult(False, ("promotion needs a digest reference, not a tag",), source)
    policy_v = dataclasses.replace(verification, required_predicate_types=REQUIRED)
    report = verify_image(ref, policy_v, staging)
    if report.digest != ref.digest:
        return PromotionResult(
            False, ("the staging registry served another digest",), source, verification=report
        )
    reasons = evidence_reasons(
        report, policy, default_branch=default_branch, promotion=promotion, baseline=baseline
    )
    if reasons:
        logger.warning("promotion of %s refused: %s", source, "; ".join(reasons))
        return PromotionResult(False, tuple(reasons), source, verification=report)
    pinned: ImageReference = copy_image_with_attestations(
        staging, ref, production, destination_repository, tag
    )
    destination = f"{pinned.registry}/{pinned.repository}@{pinned.digest}"
    if store is not None:
        store.mark_promoted(f"{ref.registry}/{ref.repository}", ref.digest, destination)
    logger.info("promoted %s to %s:%s", source, destination, tag)
    return PromotionResult(True, (), source, destination, report)
