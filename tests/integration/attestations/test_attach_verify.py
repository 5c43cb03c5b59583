"""Sign, attach and verify on the real staging registry with key and keyless (local Sigstore) signers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sigstore.models import ClientTrustConfig, TrustedRoot

from attestations.attach import SubjectMismatch, attach_attestations, sign_image
from attestations.oci import RegistryClient
from attestations.oci.mediatypes import BUNDLE_V03
from attestations.policy import VerificationPolicy
from attestations.predicates import cyclonedx_statement, signature_statement, vulnerability_statement
from attestations.signing.key_signer import KeySigner
from attestations.signing.keyless import KeylessSigner
from attestations.signing.keys import generate_key
from attestations.statements import CYCLONEDX, IMAGE_SIGNATURE, VULNERABILITY, image_subject
from attestations.storage.legacy import simple_signing_payload, write_legacy_signature
from attestations.storage.referrers import referrers_tag
from attestations.verify import verify_image

from .conftest import IDENTITY, ISSUER, LocalSigstore, PushedImage, push_tiny_image

pytestmark = pytest.mark.registry
PRODUCTION_ROOT = (
    Path(__file__).parents[2] / "unit" / "attestations" / "data" / "trusted_root.production.json"
)

BOM = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": []}


def _subject(image: PushedImage):  # type: ignore[no-untyped-def]
    return image_subject(f"{image.registry}/{image.repository}", image.digest)


def _evidence(image: PushedImage):  # type: ignore[no-untyped-def]
    subject = _subject(image)
    vulns = vulnerability_statement(
        subject, scanner_uri="https://dockgate.dev", scanner_version="0", result={}
    )
    return [cyclonedx_statement(subject, BOM), vulns]


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return generate_key()


def test_key_sign_attach_verify(
    staging_client: RegistryClient, staging_image: PushedImage, key: ec.EllipticCurvePrivateKey
) -> None:
    signer = KeySigner(key)
    signed = sign_image(staging_image.ref, signer, staging_client)
    attached = attach_attestations(staging_image.ref, _evidence(staging_image), signer, staging_client)
    assert [a.predicate_type for a in attached] == [CYCLONEDX, VULNERABILITY]
    assert signed.legacy_tag and signed.legacy_tag.endswith(".sig")
    # the tag-schema index lists all three bundles with their artifactType
    index = staging_client.get_manifest(staging_image.repository, referrers_tag(staging_image.digest)).json()
    assert {m["artifactType"] for m in index["manifests"]} == {BUNDLE_V03}
    assert len(index["manifests"]) == 3
    policy = VerificationPolicy(
        public_keys=(key.public_key(),), required_predicate_types=(IMAGE_SIGNATURE, CYCLONEDX, VULNERABILITY)
    )
    report = verify_image(f"{staging_image.registry}/{staging_image.repository}:v1", policy, staging_client)
    assert report.ok, report.to_dict()
    assert report.digest == staging_image.digest
    assert report.statements(CYCLONEDX)[0].predicate["bomFormat"] == "CycloneDX"


def test_wrong_key_and_missing_type_fail(
    staging_client: RegistryClient, staging_image: PushedImage, key: ec.EllipticCurvePrivateKey
) -> None:
    sign_image(staging_image.ref, KeySigner(key), staging_client, legacy=False)
    other = VerificationPolicy(public_keys=(generate_key().public_key(),))
    report = verify_image(staging_image.ref, other, staging_client)
    assert not report.ok and report.missing == (IMAGE_SIGNATURE,)
    assert report.results[0].reason == "DSSE signature does not verify with any trusted public key"
    needs_sbom = VerificationPolicy(
        public_keys=(key.public_key(),), required_predicate_types=(IMAGE_SIGNATURE, CYCLONEDX)
    )
    report = verify_image(staging_image.ref, needs_sbom, staging_client)
    assert not report.ok and report.missing == (CYCLONEDX,)


def test_statement_about_another_image_is_refused_and_rejected(
    staging_client: RegistryClient, staging_image: PushedImage, key: ec.EllipticCurvePrivateKey
) -> None:
    other = push_tiny_image(staging_client, staging_image.repository, "other", b"other")
    foreign = signature_statement(_subject(other))
    with pytest.raises(SubjectMismatch):
        attach_attestations(staging_image.ref, [foreign], KeySigner(key), staging_client)
    # a hostile writer bypasses the check: the verifier must still reject the statement
    from attestations.storage.referrers import write_bundle_referrer

    manifest = staging_client.get_manifest(staging_image.repository, staging_image.digest)
    bundle = KeySigner(key).sign_dsse(foreign).bundle_json
    write_bundle_referrer(
        staging_client, staging_image.repository, manifest.descriptor(), bundle, IMAGE_SIGNATURE
    )
    report = verify_image(
        staging_image.ref, VerificationPolicy(public_keys=(key.public_key(),)), staging_client
    )
    assert not report.ok
    assert "about another image" in report.results[0].reason


def test_tampered_bundle_is_rejected(
    staging_client: RegistryClient, staging_image: PushedImage, key: ec.EllipticCurvePrivateKey
) -> None:
    signed = KeySigner(key).sign_dsse(signature_statement(_subject(staging_image)))
    doc = json.loads(signed.bundle_json)
    statement = signature_statement(_subject(staging_image)).to_dict()
    statement["predicate"] = {"forged": True}
    import base64

    import rfc8785

    doc["dsseEnvelope"]["payload"] = base64.b64encode(rfc8785.dumps(statement)).decode()
    from attestations.storage.referrers import write_bundle_referrer

    manifest = staging_client.get_manifest(staging_image.repository, staging_image.digest)
    write_bundle_referrer(
        staging_client,
        staging_image.repository,
        manifest.descriptor(),
        json.dumps(doc).encode(),
        IMAGE_SIGNATURE,
    )
    report = verify_image(
        staging_image.ref, VerificationPolicy(public_keys=(key.public_key(),)), staging_client
    )
    assert not report.ok
    assert report.results[0].reason.startswith("DSSE signature does not verify")


def test_legacy_only_image_verifies_with_key(
    staging_client: RegistryClient, staging_image: PushedImage, key: ec.EllipticCurvePrivateKey
) -> None:
    payload = simple_signing_payload(
        f"{staging_image.registry}/{staging_image.repository}", staging_image.digest
    )
    signature = KeySigner(key).sign_blob(payload).signature
    write_legacy_signature(staging_client, staging_image.repository, staging_image.digest, payload, signature)
    report = verify_image(
        staging_image.ref, VerificationPolicy(public_keys=(key.public_key(),)), staging_client
    )
    assert report.ok and report.results[0].source.startswith("legacy")
    bad = verify_image(
        staging_image.ref, VerificationPolicy(public_keys=(generate_key().public_key(),)), staging_client
    )
    assert not bad.ok


@pytest.mark.slow
def test_keyless_sign_attach_verify(
    staging_client: RegistryClient,
    staging_image: PushedImage,
    keyless_signer: KeylessSigner,
    local_sigstore: LocalSigstore,
) -> None:
    sign_image(staging_image.ref, keyless_signer, staging_client)
    attach_attestations(staging_image.ref, _evidence(staging_image), keyless_signer, staging_client)
    root = ClientTrustConfig.from_json(local_sigstore.trust_config.read_text()).trusted_root
    policy = VerificationPolicy(
        identity=IDENTITY,
        issuer=ISSUER,
        trusted_root=root,
        required_predicate_types=(IMAGE_SIGNATURE, CYCLONEDX),
    )
    report = verify_image(staging_image.ref, policy, staging_client)
    assert report.ok, report.to_dict()
    assert {r.signer for r in report.results} == {f"certificate {IDENTITY}"}
    regexp = VerificationPolicy(
        identity_regexp=r"https://github\.com/apps/.*", issuer=ISSUER, trusted_root=root
    )
    assert verify_image(staging_image.ref, regexp, staging_client).ok
    wrong_identity = VerificationPolicy(identity="https://evil.example", issuer=ISSUER, trusted_root=root)
    report = verify_image(staging_image.ref, wrong_identity, staging_client)
    assert not report.ok and "Sigstore verification failed" in report.results[0].reason
    wrong_issuer = VerificationPolicy(identity=IDENTITY, issuer="https://other.example", trusted_root=root)
    assert not verify_image(staging_image.ref, wrong_issuer, staging_client).ok
    production = TrustedRoot.from_file(str(PRODUCTION_ROOT))
    foreign_root = VerificationPolicy(identity=IDENTITY, issuer=ISSUER, trusted_root=production)
    assert not verify_image(staging_image.ref, foreign_root, staging_client).ok
    keys_only = VerificationPolicy(public_keys=(generate_key().public_key(),))
    report = verify_image(staging_image.ref, keys_only, staging_client)
    assert "certificate-signed" in report.results[0].reason


def test_hostile_referrers_are_reported_not_fatal(
    staging_client: RegistryClient, staging_image: PushedImage, key: ec.EllipticCurvePrivateKey
) -> None:
    from attestations.oci import canonical_json, digest_of
    from attestations.oci.mediatypes import OCI_EMPTY, OCI_EMPTY_DIGEST, OCI_MANIFEST
    from attestations.storage.referrers import add_to_referrers_index

    repo = staging_image.repository
    staging_client.put_blob(repo, b"{}")
    garbage = staging_client.put_blob(repo, b"not json at all")
    empty = {"mediaType": OCI_EMPTY, "digest": OCI_EMPTY_DIGEST, "size": 2}
    subject = {"mediaType": OCI_MANIFEST, "digest": staging_image.digest, "size": staging_image.size}
    entries = []
    for layer in (
        {"mediaType": BUNDLE_V03, "digest": garbage, "size": 15},
        {"mediaType": BUNDLE_V03, "digest": garbage, "size": 10**12},
    ):
        doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": BUNDLE_V03, "config": empty}
        hostile = canonical_json({**doc, "layers": [layer], "subject": subject})
        staging_client.put_manifest(repo, digest_of(hostile), hostile, OCI_MANIFEST)
        entries.append(
            {
                "mediaType": OCI_MANIFEST,
                "digest": digest_of(hostile),
                "size": len(hostile),
                "artifactType": BUNDLE_V03,
            }
        )
    add_to_referrers_index(staging_client, repo, staging_image.digest, entries)
    sign_image(staging_image.ref, KeySigner(key), staging_client, legacy=False)
    report = verify_image(
        staging_image.ref, VerificationPolicy(public_keys=(key.public_key(),)), staging_client
    )
    assert report.ok  # the good signature still counts; the junk is explained
    reasons = sorted(r.reason for r in report.results)
    assert reasons == ["bundle is not JSON", "bundle larger than 1048576 bytes", "verified"]
