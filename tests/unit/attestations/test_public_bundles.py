"""Real public-good bundles (D6) through dockgate's verifier and cosign-annotation code, offline.

The files in `data/` are copies of `shared/sigstore/` (see its README for their sources).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from sigstore.models import TrustedRoot

from attestations.bundle_check import BundleRejected, verify_blob_bundle, verify_bundle
from attestations.oci.mediatypes import ANN_CERTIFICATE, ANN_CHAIN, ANN_REKOR_BUNDLE
from attestations.policy import VerificationPolicy, Window
from attestations.signing.cosign_material import legacy_annotations
from attestations.signing.keys import generate_key, key_hint, load_public_key
from attestations.statements import SLSA_PROVENANCE_V1

DATA = Path(__file__).parent / "data"
ISSUER = "https://token.actions.githubusercontent.com"
SAN = (
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
)
A_TXT = "sha256:" + hashlib.sha256((DATA / "a.txt").read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def root() -> TrustedRoot:
    return TrustedRoot.from_file(str(DATA / "trusted_root.production.json"))


def test_real_dsse_bundle_verifies(root: TrustedRoot) -> None:
    raw = (DATA / "conformance-happy-path-intoto-in-dsse-v3.sigstore.json").read_bytes()
    statement, signer = verify_bundle(
        raw, A_TXT, VerificationPolicy(identity=SAN, issuer=ISSUER, trusted_root=root)
    )
    assert statement.predicate_type == SLSA_PROVENANCE_V1
    assert signer == f"certificate {SAN}"
    regexp = VerificationPolicy(
        identity_regexp=r"https://github\.com/sigstore-conformance/.*", issuer=ISSUER, trusted_root=root
    )
    assert verify_bundle(raw, A_TXT, regexp)[0] == statement


@pytest.mark.parametrize(
    ("san", "issuer", "digest", "reason"),
    [
        ("https://github.com/evil", ISSUER, A_TXT, "Sigstore verification failed"),
        (SAN, "https://accounts.google.com", A_TXT, "Sigstore verification failed"),
        (SAN, ISSUER, "sha256:" + "0" * 64, "another image"),
    ],
)
def test_real_dsse_bundle_negatives(
    root: TrustedRoot, san: str, issuer: str, digest: str, reason: str
) -> None:
    raw = (DATA / "conformance-happy-path-intoto-in-dsse-v3.sigstore.json").read_bytes()
    with pytest.raises(BundleRejected, match=reason):
        verify_bundle(raw, digest, VerificationPolicy(identity=san, issuer=issuer, trusted_root=root))


def test_cosign_annotations_from_real_bundle(root: TrustedRoot) -> None:
    raw = (DATA / "conformance-happy-path-v0.3.sigstore.json").read_bytes()
    annotations = dict(legacy_annotations(raw, list(root.get_fulcio_certs())))
    assert list(annotations) == sorted(annotations)
    leaf = x509.load_pem_x509_certificate(annotations[ANN_CERTIFICATE].encode())
    chain = x509.load_pem_x509_certificates(annotations[ANN_CHAIN].encode())
    assert chain[0].subject == leaf.issuer and chain[-1].subject == chain[-1].issuer
    rekor = json.loads(annotations[ANN_REKOR_BUNDLE])
    entry = json.loads(raw)["verificationMaterial"]["tlogEntries"][0]
    assert list(rekor) == ["SignedEntryTimestamp", "Payload"]
    assert rekor["Payload"]["integratedTime"] == int(entry["integratedTime"])
    assert rekor["Payload"]["body"] == entry["canonicalizedBody"]
    assert len(rekor["Payload"]["logID"]) == 64


# -- message-signature bundles over a blob (verify_blob_bundle) ---------------------------------------
RFC8785_SAN = "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2"


def test_real_message_signature_bundle_verifies(root: TrustedRoot) -> None:
    raw = (DATA / "conformance-happy-path-v0.3.sigstore.json").read_bytes()
    blob = (DATA / "a.txt").read_bytes()
    policy = VerificationPolicy(identity=SAN, issuer=ISSUER, trusted_root=root)
    assert verify_blob_bundle(raw, blob, policy) == f"certificate {SAN}"
    assert verify_blob_bundle(raw, A_TXT, policy) == f"certificate {SAN}"  # by digest
    with pytest.raises(BundleRejected, match="Sigstore verification failed"):
        verify_blob_bundle(raw, blob + b"x", policy)
    wrong = VerificationPolicy(identity=SAN + "x", issuer=ISSUER, trusted_root=root)
    with pytest.raises(BundleRejected, match="Sigstore verification failed"):
        verify_blob_bundle(raw, blob, wrong)
    keys_only = VerificationPolicy(public_keys=(load_public_key(DATA / "conformance-managed-key.pub"),))
    with pytest.raises(BundleRejected, match="trusts only public keys"):
        verify_blob_bundle(raw, blob, keys_only)


def test_real_v02_chain_bundle_verifies_by_digest(root: TrustedRoot) -> None:
    raw = (DATA / "rfc8785-0.1.2-py3-none-any.whl.sigstore.json").read_bytes()
    digest = "sha256:" + (DATA / "rfc8785-0.1.2-py3-none-any.whl.sha256").read_text().split()[0]
    policy = VerificationPolicy(identity=RFC8785_SAN, issuer=ISSUER, trusted_root=root)
    assert verify_blob_bundle(raw, digest, policy) == f"certificate {RFC8785_SAN}"
    with pytest.raises(BundleRejected, match="Sigstore verification failed"):
        verify_blob_bundle(raw, A_TXT, policy)


def test_real_managed_key_bundle_verifies_with_its_key() -> None:
    raw = (DATA / "conformance-managed-key.sigstore.json").read_bytes()
    blob = (DATA / "a.txt").read_bytes()
    key = load_public_key(DATA / "conformance-managed-key.pub")
    assert verify_blob_bundle(raw, blob, VerificationPolicy(public_keys=(key,))) == f"key {key_hint(key)}"
    with pytest.raises(BundleRejected, match="does not verify with any trusted public key"):
        verify_blob_bundle(raw, blob, VerificationPolicy(public_keys=(generate_key().public_key(),)))
    with pytest.raises(BundleRejected, match="signs another blob"):
        verify_blob_bundle(raw, blob + b"x", VerificationPolicy(public_keys=(key,)))
    expired = VerificationPolicy(
        public_keys=(key,),
        key_windows={key_hint(key): Window(not_after=datetime(2025, 1, 1, tzinfo=UTC))},
        at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    with pytest.raises(BundleRejected, match="expired on 2025-01-01"):
        verify_blob_bundle(raw, blob, expired)


def test_blob_verifier_refuses_dsse_bundles_and_bad_digests(root: TrustedRoot) -> None:
    raw = (DATA / "conformance-happy-path-intoto-in-dsse-v3.sigstore.json").read_bytes()
    policy = VerificationPolicy(identity=SAN, issuer=ISSUER, trusted_root=root)
    with pytest.raises(BundleRejected, match="no message signature"):
        verify_blob_bundle(raw, A_TXT, policy)
    message = (DATA / "conformance-happy-path-v0.3.sigstore.json").read_bytes()
    with pytest.raises(BundleRejected, match="sha256:<hex>"):
        verify_blob_bundle(message, "md5:abc", policy)
