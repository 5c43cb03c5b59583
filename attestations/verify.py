"""One verifier for every consumer (CLI, admission, audit API): discover, verify, explain.

Bundles are found as referrers (API or tag-schema index); cosign's semantics apply: when at
least one bundle exists only bundles count, otherwise the legacy `.sig`/`.att` layers are read
(key-signed or keyless). Each candidate yields a result with a reason; the report is ok when every
required predicate type has at least one verified statement about this exact digest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from attestations.attach import resolve_image
from attestations.bundle_check import BundleRejected, verify_bundle
from attestations.legacy_check import legacy_results
from attestations.oci import ImageReference, RegistryClient, RegistryError
from attestations.oci.mediatypes import BUNDLE_PREFIX
from attestations.policy import VerificationPolicy
from attestations.statements import Statement

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AttestationResult:
    """The outcome for one stored signature or attestation."""

    source: str
    verified: bool
    reason: str
    predicate_type: str | None = None
    signer: str | None = None
    statement: Statement | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "verified": self.verified,
            "reason": self.reason,
            "predicateType": self.predicate_type,
            "signer": self.signer,
        }


@dataclass(frozen=True)
class VerificationReport:
    image: str
    digest: str
    required: tuple[str, ...]
    results: tuple[AttestationResult, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """Required predicate types with no verified statement."""
        good = {r.predicate_type for r in self.results if r.verified}
        return tuple(t for t in self.required if t not in good)

    @property
    def ok(self) -> bool:
        return not self.missing

    def statements(self, predicate_type: str) -> list[Statement]:
        """Verified statements of one type (e.g. the CycloneDX BOM for the audit index)."""
        return [
            r.statement
            for r in self.results
            if r.verified and r.statement and r.predicate_type == predicate_type
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "image": self.image,
            "digest": self.digest,
            "ok": self.ok,
            "required": list(self.required),
            "missing": list(self.missing),
            "results": [r.to_dict() for r in self.results],
        }


def _bundle_results(
    client: RegistryClient, ref: ImageReference, digest: str, policy: VerificationPolicy
) -> list[AttestationResult]:
    descriptors = [
        d
        for d in client.referrers(ref.repository, digest)
        if str(d.get("artifactType", "")).startswith(BUNDLE_PREFIX)
    ]
    results = []
    for descriptor in descriptors[: policy.max_referrers]:
        source = f"referrer {descriptor.get('digest')}"
        try:
            bundle_json = _fetch_bundle(client, ref.repository, str(descriptor.get("digest")), digest, policy)
            statement, signer = verify_bundle(bundle_json, digest, policy)
        except (BundleRejected, RegistryError) as exc:
            results.append(AttestationResult(source, False, exc.diagnostics()))
            continue
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # hostile or broken documents
            results.append(AttestationResult(source, False, f"malformed referrer ({exc.__class__.__name__})"))
            continue
        results.append(
            AttestationResult(source, True, "verified", statement.predicate_type, signer, statement)
        )
    if len(descriptors) > policy.max_referrers:
        results.append(
            AttestationResult("referrers", False, f"ignored {len(descriptors) - policy.max_referrers} more")
        )
    return results


def _fetch_bundle(
    client: RegistryClient, repository: str, manifest_digest: str, subject: str, policy: VerificationPolicy
) -> bytes:
    doc = client.get_manifest(repository, manifest_digest).json()
    if doc.get("subject", {}).get("digest") != subject:
        raise BundleRejected("referrer's subject is another digest")
    layers = doc.get("layers", [])
    if len(layers) != 1 or not str(layers[0].get("mediaType", "")).startswith(BUNDLE_PREFIX):
        raise BundleRejected("referrer must have exactly one Sigstore bundle layer")
    if int(layers[0].get("size", 0)) > policy.max_bundle_bytes:
        raise BundleRejected(f"bundle larger than {policy.max_bundle_bytes} bytes")
    return client.get_blob(repository, layers[0]["digest"], max_size=policy.max_bundle_bytes)


def verify_image(
    ref: str | ImageReference, policy: VerificationPolicy, client: RegistryClient
) -> VerificationReport:
    """Verify everything stored for the image `ref` (a tag is resolved to its digest first)."""
    pinned, manifest = resolve_image(ref, client)
    results = _bundle_results(client, pinned, manifest.digest, policy)
    if not results:
        results = [AttestationResult(**r) for r in legacy_results(client, pinned, manifest.digest, policy)]
    report = VerificationReport(str(pinned), manifest.digest, policy.required_predicate_types, tuple(results))
    logger.info("verified %s: ok=%s missing=%s", pinned, report.ok, list(report.missing))
    return report


__all__ = ["AttestationResult", "VerificationPolicy", "VerificationReport", "verify_image"]
