"""Real public-good bundles (D6) through dockgate's verifier and cosign-annotation code, offline."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cryptography import x509
from sigstore.models import TrustedRoot

from attestations.bundle_check import BundleRejected, verify_bundle
from attestations.oci.mediatypes import ANN_CERTIFICATE, ANN_CHAIN, ANN_REKOR_BUNDLE
from attestations.policy import VerificationPolicy
from attestations.signing.cosign_material import legacy_annotations
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
