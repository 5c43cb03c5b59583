"""The pipeline's entry points for writing evidence: sign an image, attach signed statements.

Every statement becomes a bundle referrer (cosign v3 layout, read by cosign v3, Kyverno
SigstoreBundle and sigstore-js); with `legacy=True` also a layer of `sha256-<hex>.sig`/`.att`
for cosign v2, Kyverno `type: Cosign` and policy-controller's default mode.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from attestations.errors import UsageError
from attestations.oci import ImageReference, Manifest, RegistryClient, parse_reference
from attestations.oci.mediatypes import MANIFEST_TYPES
from attestations.predicates import signature_statement
from attestations.signing.base import SignedBundle, Signer
from attestations.statements import IMAGE_SIGNATURE, Statement, image_subject
from attestations.storage.legacy import (
    attestation_tag,
    signature_tag,
    simple_signing_payload,
    write_legacy_attestation,
    write_legacy_signature,
)
from attestations.storage.referrers import add_to_referrers_index, write_bundle_referrer

logger = logging.getLogger(__name__)


class SubjectMismatch(UsageError):
    """A statement is about another image than the one it is being attached to."""


@dataclass(frozen=True)
class AttachedAttestation:
    """One signed statement as stored: the referrer manifest and, if written, the legacy tag."""

    predicate_type: str
    referrer_digest: str
    bundle: SignedBundle
    legacy_tag: str | None


def resolve_image(image_ref: str | ImageReference, client: RegistryClient) -> tuple[ImageReference, Manifest]:
    """Pin a reference to its manifest digest (a digest reference is fetched and verified)."""
    ref = parse_reference(image_ref) if isinstance(image_ref, str) else image_ref
    if ref.registry != client.registry:
        raise UsageError(f"{ref} is not in registry {client.registry}: use a client for {ref.registry}")
    manifest = client.get_manifest(ref.repository, ref.reference)
    if manifest.media_type not in MANIFEST_TYPES:
        raise UsageError(f"{ref} is a {manifest.media_type}, not an image manifest or index")
    return ref.with_digest(manifest.digest), manifest


def _subject_descriptor(manifest: Manifest) -> dict[str, Any]:
    return manifest.descriptor()


def attach_attestations(
    image_ref: str | ImageReference,
    statements: Sequence[Statement],
    signer: Signer,
    client: RegistryClient,
    *,
    legacy: bool = True,
) -> list[AttachedAttestation]:
    """Sign each statement (DSSE) and store it beside the image; statements must name the image digest."""
    ref, manifest = resolve_image(image_ref, client)
    return _attach(ref, manifest, statements, signer, client, legacy=legacy)


def _attach(
    ref: ImageReference,
    manifest: Manifest,
    statements: Sequence[Statement],
    signer: Signer,
    client: RegistryClient,
    *,
    legacy: bool,
) -> list[AttachedAttestation]:
    for statement in statements:
        if not statement.has_subject_digest(manifest.digest):
            raise SubjectMismatch(f"a {statement.predicate_type} statement is not about {ref}: rebuild it")
    attached: list[AttachedAttestation] = []
    descriptors: list[dict[str, Any]] = []
    for statement in statements:
        signed = signer.sign_dsse(statement)
        descriptor = write_bundle_referrer(
            client,
            ref.repository,
            _subject_descriptor(manifest),
            signed.bundle_json,
            statement.predicate_type,
            update_index=False,
        )
        descriptors.append(descriptor)
        tag = None
        if legacy and statement.predicate_type != IMAGE_SIGNATURE and signed.envelope_json is not None:
            write_legacy_attestation(
                client,
                ref.repository,
                manifest.digest,
                signed.envelope_json,
                statement.predicate_type,
                dict(signed.legacy_annotations),
            )
            tag = attestation_tag(manifest.digest)
        attached.append(AttachedAttestation(statement.predicate_type, descriptor["digest"], signed, tag))
        logger.info("attached %s to %s", statement.predicate_type, ref)
    add_to_referrers_index(client, ref.repository, manifest.digest, descriptors)
    return attached


def sign_image(
    image_ref: str | ImageReference, signer: Signer, client: RegistryClient, *, legacy: bool = True
) -> AttachedAttestation:
    """cosign-sign an image: a cosign/sign/v1 bundle referrer, plus a simple-signing `.sig` layer."""
    ref, manifest = resolve_image(image_ref, client)
    statement = signature_statement(image_subject(ref.name, manifest.digest))
    (attached,) = _attach(ref, manifest, [statement], signer, client, legacy=False)
    if not legacy:
        return attached
    payload = simple_signing_payload(ref.name, manifest.digest)
    signed = signer.sign_blob(payload)
    write_legacy_signature(
        client, ref.repository, manifest.digest, payload, signed.signature, dict(signed.legacy_annotations)
    )
    return AttachedAttestation(
        IMAGE_SIGNATURE, attached.referrer_digest, attached.bundle, signature_tag(manifest.digest)
    )


__all__ = ["AttachedAttestation", "SubjectMismatch", "attach_attestations", "resolve_image", "sign_image"]
