"""The KMS signer: the KmsClient interface end to end (filekms:// and a plug-in double), and its errors."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from sigstore_models.bundle.v1 import Bundle as ModelBundle

from attestations.bundle_check import BundleRejected, verify_blob_bundle, verify_bundle
from attestations.policy import VerificationPolicy
from attestations.predicates import signature_statement
from attestations.signing import kms
from attestations.signing.backends import SignerBackend, backend_for_key, to_backend
from attestations.signing.base import SigningError
from attestations.signing.key_signer import KeySigner, KmsSigner
from attestations.signing.keys import generate_key, key_hint, load_public_key, write_keypair
from attestations.statements import image_subject

DIGEST = "sha256:" + "cd" * 32
PASSWORD = "kms-test-password"  # noqa: S105 - a test fixture


@pytest.fixture
def keypair(tmp_path: Path) -> tuple[Path, Path]:
    return write_keypair(tmp_path / "kms", PASSWORD.encode())


def test_filekms_signs_bundles_that_verify(keypair: tuple[Path, Path]) -> None:
    key_path, pub_path = keypair
    signer = to_backend(SignerBackend.KMS, key_ref=f"filekms://{key_path}", key_password=PASSWORD)
    assert isinstance(signer, KmsSigner)
    public = load_public_key(pub_path)
    statement = signature_statement(image_subject("127.0.0.1:5001/app", DIGEST))
    signed = signer.sign_dsse(statement)
    doc = json.loads(signed.bundle_json)
    assert doc["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    assert doc["verificationMaterial"] == {"publicKey": {"hint": key_hint(public)}, "tlogEntries": []}
    ModelBundle.from_json(signed.bundle_json)  # a valid bundle document
    policy = VerificationPolicy(public_keys=(public,))
    verified, who = verify_bundle(signed.bundle_json, DIGEST, policy)
    assert verified == statement and who == f"key {key_hint(public)}"
    assert signer.description == f"kms filekms://{key_path} (key {key_hint(public)})"
    blob = signer.sign_blob(b"hello")
    assert verify_blob_bundle(blob.bundle_json, b"hello", policy) == f"key {key_hint(public)}"


def test_key_signer_and_kms_signer_bundles_have_the_same_shape(keypair: tuple[Path, Path]) -> None:
    key_path, _ = keypair
    by_kms = to_backend(SignerBackend.KMS, key_ref=f"filekms://{key_path}", key_password=PASSWORD)
    by_key = to_backend(SignerBackend.KEY, key_path=key_path, key_password=PASSWORD)
    statement = signature_statement(image_subject("127.0.0.1:5001/app", DIGEST))
    a, b = (
        json.loads(by_kms.sign_dsse(statement).bundle_json),
        json.loads(by_key.sign_dsse(statement).bundle_json),
    )
    assert a["verificationMaterial"] == b["verificationMaterial"]
    assert a["dsseEnvelope"]["payload"] == b["dsseEnvelope"]["payload"]


class _RecordingKms:
    """A plug-in double: satisfies KmsClient without inheriting, records the digests it signs."""

    def __init__(self, reference: str) -> None:
        self._reference = reference
        self._key = generate_key()
        self.digests: list[bytes] = []

    @property
    def reference(self) -> str:
        return self._reference

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._key.public_key()

    def sign_digest(self, digest: bytes) -> bytes:
        self.digests.append(digest)
        return self._key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))


class _EntryPoint:
    def __init__(self, factory: Any) -> None:
        self._factory = factory

    def load(self) -> Any:
        return self._factory


def test_plugin_scheme_from_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[_RecordingKms] = []

    def factory(reference: str) -> _RecordingKms:
        made.append(_RecordingKms(reference))
        return made[-1]

    def fake_entry_points(*, group: str, name: str) -> list[_EntryPoint]:
        return [_EntryPoint(factory)] if (group, name) == ("dockgate.kms", "testkms") else []

    monkeypatch.setattr(kms, "entry_points", fake_entry_points)
    signer = to_backend(SignerBackend.KMS, key_ref="testkms://projects/p/keys/k", environ={})
    blob = signer.sign_blob(b"payload")
    assert made[0].digests == [hashlib.sha256(b"payload").digest()]
    policy = VerificationPolicy(public_keys=(made[0].public_key(),))
    assert verify_blob_bundle(blob.bundle_json, b"payload", policy).startswith("key ")
    with pytest.raises(BundleRejected, match="signs another blob"):
        verify_blob_bundle(blob.bundle_json, b"other", policy)


def test_unknown_scheme_and_bad_references(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kms, "entry_points", lambda **_: [])
    with pytest.raises(SigningError, match=r"no plug-in for awskms://; install a package .*dockgate.kms"):
        to_backend(SignerBackend.KMS, key_ref="awskms:///alias/dockgate", environ={})
    with pytest.raises(SigningError, match="absolute path"):
        kms.kms_client("filekms://relative/key.pem")
    with pytest.raises(SigningError, match="needs a key reference"):
        to_backend(SignerBackend.KMS, environ={})
    with pytest.raises(SigningError, match="cannot read signing key"):
        kms.kms_client("filekms:///nonexistent/key.pem")


def test_backend_for_key() -> None:
    assert backend_for_key("filekms:///k.pem") is SignerBackend.KMS
    assert backend_for_key("gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k") is SignerBackend.KMS
    assert backend_for_key("keys/cosign.key") is SignerBackend.KEY
    assert backend_for_key("/abs/dir:with://colon.key") is SignerBackend.KEY


def test_a_local_key_is_a_kms_signer() -> None:
    signer = KeySigner(generate_key())
    assert isinstance(signer, KmsSigner) and signer.description == f"key {signer.hint}"


def test_cli_key_option_selects_kms(keypair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from app.cli.signing_commands import _signer

    monkeypatch.setenv("DOCKGATE_SIGNING_KEY_PASSWORD", PASSWORD)
    key_path, _ = keypair
    assert isinstance(_signer(argparse.Namespace(key=f"filekms://{key_path}")), KmsSigner)
    plain = _signer(argparse.Namespace(key=str(key_path)))
    assert isinstance(plain, KeySigner)
