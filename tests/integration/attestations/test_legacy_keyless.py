"""Legacy-only keyless images (`.sig`/`.att` with certificate + Rekor SET annotations, no bundles) verify
like `cosign verify --new-bundle-format=false --certificate-identity ... --certificate-oidc-issuer ...`."""

from __future__ import annotations

import base64
import datetime
import json

import pytest
import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sigstore.models import TrustedRoot

from attestations.oci import RegistryClient
from attestations.oci.mediatypes import ANN_CERTIFICATE, ANN_CHAIN, ANN_REKOR_BUNDLE, ANN_RFC3161
from attestations.policy import VerificationPolicy
from attestations.predicates import cyclonedx_statement
from attestations.signing.keyless import KeylessSigner
from attestations.statements import CYCLONEDX, IMAGE_SIGNATURE, image_subject
from attestations.storage.legacy import (
    simple_signing_payload,
    write_legacy_attestation,
    write_legacy_signature,
)
from attestations.verify import VerificationReport, verify_image

from .conftest import IDENTITY, ISSUER, LocalSigstore, PushedImage

pytestmark = [pytest.mark.registry, pytest.mark.slow]
BOM = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": []}


def _policy(
    local_sigstore: LocalSigstore,
    identity: str | None = IDENTITY,
    issuer: str = ISSUER,
    regexp: str | None = None,
) -> VerificationPolicy:
    return VerificationPolicy(
        identity=identity,
        identity_regexp=regexp,
        issuer=issuer,
        trusted_root=TrustedRoot.from_file(str(local_sigstore.trusted_root_json)),
        required_predicate_types=(IMAGE_SIGNATURE, CYCLONEDX),
    )


def _sign_legacy_only(
    client: RegistryClient, image: PushedImage, signer: KeylessSigner, tamper: dict[str, str] | None = None
) -> None:
    """Old cosign's layout: the `.sig` and `.att` layers only; `tamper` replaces annotations of the `.sig`."""
    name = f"{image.registry}/{image.repository}"
    payload = simple_signing_payload(name, image.digest)
    signed = signer.sign_blob(payload)
    annotations = {**dict(signed.legacy_annotations), **(tamper or {})}
    write_legacy_signature(client, image.repository, image.digest, payload, signed.signature, annotations)
    statement = cyclonedx_statement(image_subject(name, image.digest), BOM)
    att = signer.sign_dsse(statement)
    assert att.envelope_json is not None
    write_legacy_attestation(
        client, image.repository, image.digest, att.envelope_json, CYCLONEDX, dict(att.legacy_annotations)
    )


def _sig_reason(report: VerificationReport) -> str:
    assert not report.ok
    return next(
        r.reason for r in report.results if r.predicate_type is None or r.predicate_type == IMAGE_SIGNATURE
    )


def test_legacy_keyless_image_verifies(
    staging_client: RegistryClient,
    staging_image: PushedImage,
    keyless_signer: KeylessSigner,
    local_sigstore: LocalSigstore,
) -> None:
    _sign_legacy_only(staging_client, staging_image, keyless_signer)
    for policy in (
        _policy(local_sigstore),
        _policy(local_sigstore, identity=None, regexp=r"https://github\.com/apps/dockgate-.*"),
    ):
        report = verify_image(staging_image.ref, policy, staging_client)
        assert report.ok, report.to_dict()
        assert all(
            r.source.startswith("legacy") and r.signer == f"certificate {IDENTITY}" for r in report.results
        )
        assert {r.predicate_type for r in report.results} == {IMAGE_SIGNATURE, CYCLONEDX}
        assert report.statements(CYCLONEDX)[0].predicate == BOM


def test_legacy_keyless_rejects_wrong_identity_and_issuer(
    staging_client: RegistryClient,
    staging_image: PushedImage,
    keyless_signer: KeylessSigner,
    local_sigstore: LocalSigstore,
) -> None:
    _sign_legacy_only(staging_client, staging_image, keyless_signer)
    for policy in (
        _policy(local_sigstore, identity="https://evil.example"),
        _policy(local_sigstore, identity=None, regexp=r"https://evil\..*"),
        _policy(local_sigstore, issuer="https://other-issuer.example"),
    ):
        report = verify_image(staging_image.ref, policy, staging_client)
        assert not report.ok and len(report.results) == 2
        assert all(r.reason.startswith("certificate identity rejected") for r in report.results), (
            report.to_dict()
        )


def test_legacy_keyless_rejects_tampered_payload(
    staging_client: RegistryClient,
    staging_image: PushedImage,
    keyless_signer: KeylessSigner,
    local_sigstore: LocalSigstore,
) -> None:
    name = f"{staging_image.registry}/{staging_image.repository}"
    signed = keyless_signer.sign_blob(simple_signing_payload(name, staging_image.digest))
    tampered = simple_signing_payload(name, staging_image.digest, {"tampered": "yes"})
    write_legacy_signature(
        staging_client,
        staging_image.repository,
        staging_image.digest,
        tampered,
        signed.signature,
        dict(signed.legacy_annotations),
    )
    report = verify_image(staging_image.ref, _policy(local_sigstore), staging_client)
    assert _sig_reason(report) == "signature does not verify with the certificate's key"


def _resigned_set(annotation: str, log_id: str | None = None) -> str:
    """The same SET payload signed by a key that is not the trusted root's Rekor key."""
    doc = json.loads(annotation)
    if log_id:
        doc["Payload"]["logID"] = log_id
    key = ec.generate_private_key(ec.SECP256R1())
    doc["SignedEntryTimestamp"] = base64.b64encode(
        key.sign(rfc8785.dumps(doc["Payload"]), ec.ECDSA(hashes.SHA256()))
    ).decode()
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("other_log", "reason"),
    [
        (True, "Rekor SET is from log "),
        (False, "Rekor SET signature does not verify with the trusted log's key"),
    ],
)
def test_legacy_keyless_rejects_foreign_set(
    staging_client: RegistryClient,
    staging_image: PushedImage,
    keyless_signer: KeylessSigner,
    local_sigstore: LocalSigstore,
    other_log: bool,
    reason: str,
) -> None:
    name = f"{staging_image.registry}/{staging_image.repository}"
    annotation = dict(
        keyless_signer.sign_blob(simple_signing_payload(name, staging_image.digest)).legacy_annotations
    )[ANN_REKOR_BUNDLE]
    forged = _resigned_set(annotation, "ab" * 32 if other_log else None)
    _sign_legacy_only(staging_client, staging_image, keyless_signer, {ANN_REKOR_BUNDLE: forged})
    report = verify_image(staging_image.ref, _policy(local_sigstore), staging_client)
    assert _sig_reason(report).startswith(reason)
    assert [r.predicate_type for r in report.results if r.verified] == [CYCLONEDX]


def _rogue_certificate() -> tuple[str, str]:
    """A leaf with the right identity, issued by a CA that is not in the trusted root."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rogue fulcio")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(ca_name)
        .public_key(ec.generate_private_key(ec.SECP256R1()).public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(IDENTITY)]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return leaf.public_bytes(pem).decode(), ca.public_bytes(pem).decode()


def test_legacy_keyless_rejects_certificate_outside_trusted_root(
    staging_client: RegistryClient,
    staging_image: PushedImage,
    keyless_signer: KeylessSigner,
    local_sigstore: LocalSigstore,
) -> None:
    leaf, chain = _rogue_certificate()
    _sign_legacy_only(
        staging_client, staging_image, keyless_signer, {ANN_CERTIFICATE: leaf, ANN_CHAIN: chain}
    )
    report = verify_image(staging_image.ref, _policy(local_sigstore), staging_client)
    assert _sig_reason(report).startswith("certificate does not chain to a trusted Fulcio CA")


def test_legacy_keyless_rejects_timestamp_of_another_signature(
    staging_client: RegistryClient,
    staging_image: PushedImage,
    keyless_signer: KeylessSigner,
    local_sigstore: LocalSigstore,
) -> None:
    other = dict(keyless_signer.sign_blob(b"another artifact").legacy_annotations)
    assert ANN_RFC3161 in other  # the local instance runs a TSA (MOCK_TSA=1)
    _sign_legacy_only(staging_client, staging_image, keyless_signer, {ANN_RFC3161: other[ANN_RFC3161]})
    report = verify_image(staging_image.ref, _policy(local_sigstore), staging_client)
    assert _sig_reason(report) == "RFC 3161 timestamp does not verify with a trusted timestamp authority"


def test_cosign_agrees_on_legacy_keyless_image(
    staging_client: RegistryClient,
    staging_image: PushedImage,
    keyless_signer: KeylessSigner,
    local_sigstore: LocalSigstore,
) -> None:
    from .peers import run_cosign

    _sign_legacy_only(staging_client, staging_image, keyless_signer)
    root = ["--trusted-root", str(local_sigstore.trusted_root_json), "--new-bundle-format=false"]
    identity = ["--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER]
    proc = run_cosign("verify", *root, *identity, staging_image.ref)
    assert proc.returncode == 0, proc.stderr
    proc = run_cosign("verify-attestation", *root, *identity, "--type", "cyclonedx", staging_image.ref)
    assert proc.returncode == 0, proc.stderr
    wrong = ["--certificate-identity", "https://evil.example", "--certificate-oidc-issuer", ISSUER]
    assert run_cosign("verify", *root, *wrong, staging_image.ref).returncode != 0
    assert verify_image(staging_image.ref, _policy(local_sigstore), staging_client).ok
