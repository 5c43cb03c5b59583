"""A cosign legacy `.sig`/`.att` image copied from another image is rejected (a valid signature over
another image's payload proves nothing about this one), key-signed and keyless, in and across repositories."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sigstore.models import TrustedRoot

from attestations.oci import RegistryClient
from attestations.oci.mediatypes import OCI_MANIFEST
from attestations.policy import VerificationPolicy
from attestations.predicates import cyclonedx_statement
from attestations.signing.key_signer import KeySigner
from attestations.signing.keyless import KeylessSigner
from attestations.signing.keys import generate_key
from attestations.statements import CYCLONEDX, IMAGE_SIGNATURE, image_subject
from attestations.storage.legacy import (
    attestation_tag,
    signature_tag,
    simple_signing_payload,
    write_legacy_attestation,
    write_legacy_signature,
)
from attestations.verify import verify_image

from .conftest import IDENTITY, ISSUER, LocalSigstore, PushedImage, push_tiny_image

pytestmark = pytest.mark.registry
BOM = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": []}


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return generate_key()


def _sign_legacy(client: RegistryClient, image: PushedImage, signer: KeySigner | KeylessSigner) -> None:
    """`.sig` and `.att` (CycloneDX) for `image`, in cosign's legacy layout only."""
    name = f"{image.registry}/{image.repository}"
    payload = simple_signing_payload(name, image.digest)
    signed = signer.sign_blob(payload)
    extra = dict(signed.legacy_annotations)
    write_legacy_signature(client, image.repository, image.digest, payload, signed.signature, extra)
    att = signer.sign_dsse(cyclonedx_statement(image_subject(name, image.digest), BOM))
    assert att.envelope_json is not None
    extra = dict(att.legacy_annotations)
    write_legacy_attestation(client, image.repository, image.digest, att.envelope_json, CYCLONEDX, extra)


def _copy_tag(client: RegistryClient, source: PushedImage, target: PushedImage, tag_of: str) -> None:
    """Copy `source`'s `.sig` or `.att` image, bytes unchanged, to `target`'s tag (blobs mounted across)."""
    tag = signature_tag if tag_of == "sig" else attestation_tag
    manifest = client.get_manifest(source.repository, tag(source.digest))
    if source.repository != target.repository:
        doc = manifest.json()
        for blob in [doc["config"], *doc["layers"]]:
            client.put_blob(target.repository, client.get_blob(source.repository, blob["digest"]))
    client.put_manifest(target.repository, tag(target.digest), manifest.raw, OCI_MANIFEST)


@pytest.mark.parametrize("same_repository", [True, False], ids=["same-repo", "other-repo"])
def test_copied_key_signed_legacy_layers_are_rejected(
    staging_client: RegistryClient,
    staging_image: PushedImage,
    key: ec.EllipticCurvePrivateKey,
    same_repository: bool,
) -> None:
    repository = staging_image.repository if same_repository else staging_image.repository + "-victim"
    victim = push_tiny_image(staging_client, repository, "victim", staging_image.digest.encode())
    _sign_legacy(staging_client, staging_image, KeySigner(key))
    policy = VerificationPolicy(
        public_keys=(key.public_key(),), required_predicate_types=(IMAGE_SIGNATURE, CYCLONEDX)
    )
    assert verify_image(staging_image.ref, policy, staging_client).ok  # the original is fine
    _copy_tag(staging_client, staging_image, victim, "sig")
    _copy_tag(staging_client, staging_image, victim, "att")
    report = verify_image(victim.ref, policy, staging_client)
    assert not report.ok and report.missing == (IMAGE_SIGNATURE, CYCLONEDX)
    reasons = sorted(r.reason for r in report.results)
    assert reasons == [
        f"signature is for {staging_image.digest}, not {victim.digest}",
        f"statement is about another image, not {victim.digest}",
    ]
    assert all(r.source.startswith("legacy ") and not r.verified for r in report.results)


def test_copied_signature_next_to_a_genuine_one_is_rejected_alone(
    staging_client: RegistryClient, staging_image: PushedImage, key: ec.EllipticCurvePrivateKey
) -> None:
    """The copied layer appended to the victim's own `.sig`: the genuine layer verifies, the copy does not."""
    victim = push_tiny_image(staging_client, staging_image.repository, "victim2", b"victim2")
    other = KeySigner(generate_key())
    _sign_legacy(staging_client, staging_image, other)
    foreign_payload = simple_signing_payload(
        f"{staging_image.registry}/{staging_image.repository}", staging_image.digest
    )
    signed = other.sign_blob(foreign_payload)
    write_legacy_signature(
        staging_client, victim.repository, victim.digest, foreign_payload, signed.signature
    )
    own = simple_signing_payload(f"{victim.registry}/{victim.repository}", victim.digest)
    write_legacy_signature(
        staging_client, victim.repository, victim.digest, own, KeySigner(key).sign_blob(own).signature
    )
    policy = VerificationPolicy(public_keys=(key.public_key(), other.public_key))
    report = verify_image(victim.ref, policy, staging_client)
    assert report.ok
    assert sorted((r.verified, r.reason) for r in report.results) == [
        (False, f"signature is for {staging_image.digest}, not {victim.digest}"),
        (True, "verified"),
    ]


@pytest.mark.slow
def test_copied_keyless_legacy_layers_are_rejected(
    staging_client: RegistryClient,
    staging_image: PushedImage,
    keyless_signer: KeylessSigner,
    local_sigstore: LocalSigstore,
) -> None:
    victim = push_tiny_image(staging_client, staging_image.repository, "victim", b"keyless-victim")
    _sign_legacy(staging_client, staging_image, keyless_signer)
    policy = VerificationPolicy(
        identity=IDENTITY,
        issuer=ISSUER,
        trusted_root=TrustedRoot.from_file(str(local_sigstore.trusted_root_json)),
        required_predicate_types=(IMAGE_SIGNATURE, CYCLONEDX),
    )
    assert verify_image(staging_image.ref, policy, staging_client).ok
    _copy_tag(staging_client, staging_image, victim, "sig")
    _copy_tag(staging_client, staging_image, victim, "att")
    report = verify_image(victim.ref, policy, staging_client)
    assert not report.ok and report.missing == (IMAGE_SIGNATURE, CYCLONEDX)
    reasons = sorted(r.reason for r in report.results)
    assert reasons == [
        f"signature is for {staging_image.digest}, not {victim.digest}",
        f"statement is about another image, not {victim.digest}",
    ]
