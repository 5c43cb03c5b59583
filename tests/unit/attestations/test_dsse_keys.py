"""DSSE PAE, key files, key bundles and their verification (including cosign's key hint convention)."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from sigstore_models.bundle.v1 import Bundle as ModelBundle

from attestations.bundle_check import BundleRejected, verify_bundle
from attestations.dsse import Envelope, InvalidEnvelope, pae
from attestations.policy import VerificationPolicy
from attestations.predicates import signature_statement
from attestations.signing.base import SigningError
from attestations.signing.key_signer import KeySigner
from attestations.signing.keys import generate_key, key_hint, load_private_key, load_public_key, write_keypair
from attestations.statements import image_subject

DATA = Path(__file__).parent / "data"
DIGEST = "sha256:" + "ab" * 32


def test_pae_spec_vector() -> None:
    # the example from the DSSE v1 protocol document
    assert (
        pae("http://example.com/HelloWorld", b"hello world")
        == b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


def test_envelope_round_trip_and_malformed() -> None:
    env = Envelope("application/vnd.in-toto+json", b"{}", (b"sig",))
    assert Envelope.from_json(env.to_json()) == env
    for raw in (b"{}", b'{"payload":"!!","payloadType":"x","signatures":[{"sig":"AA=="}]}', b"[]"):
        with pytest.raises(InvalidEnvelope):
            Envelope.from_json(raw)


def test_keypair_files(tmp_path: Path) -> None:
    key_path, pub_path = write_keypair(tmp_path / "signing", b"correct horse")
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in key_path.read_bytes()
    key = load_private_key(key_path, b"correct horse")
    assert key_hint(key.public_key()) == key_hint(load_public_key(pub_path))
    with pytest.raises(SigningError, match="wrong DOCKGATE_SIGNING_KEY_PASSWORD"):
        load_private_key(key_path, b"wrong")
    with pytest.raises(SigningError, match="is encrypted"):
        load_private_key(key_path, None)
    with pytest.raises(SigningError, match="already exists"):
        write_keypair(tmp_path / "signing", b"x")
    with pytest.raises(SigningError, match="unencrypted"):
        write_keypair(tmp_path / "other", b"")


def test_hint_matches_cosign_convention() -> None:
    pub = load_public_key(DATA / "conformance-managed-key.pub")
    expected = json.loads((DATA / "conformance-managed-key.sigstore.json").read_text())
    assert key_hint(pub) == expected["verificationMaterial"]["publicKey"]["hint"]


def test_key_bundle_verifies_and_negatives() -> None:
    key = generate_key()
    statement = signature_statement(image_subject("127.0.0.1:5001/app", DIGEST))
    bundle = KeySigner(key).sign_dsse(statement)
    doc = json.loads(bundle.bundle_json)
    assert doc["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    assert doc["verificationMaterial"] == {
        "publicKey": {"hint": key_hint(key.public_key())},
        "tlogEntries": [],
    }
    # the hand-written bundle parses with the reference protobuf-specs models
    parsed = ModelBundle.from_json(bundle.bundle_json)
    assert (
        parsed.dsse_envelope is not None
        and parsed.dsse_envelope.payload_type == "application/vnd.in-toto+json"
    )
    assert ModelBundle.from_json(KeySigner(key).sign_blob(b"x").bundle_json).message_signature is not None
    policy = VerificationPolicy(public_keys=(generate_key().public_key(), key.public_key()))
    verified, signer = verify_bundle(bundle.bundle_json, DIGEST, policy)
    assert verified == statement and signer == f"key {key_hint(key.public_key())}"
    with pytest.raises(BundleRejected, match="another image"):
        verify_bundle(bundle.bundle_json, "sha256:" + "cd" * 32, policy)
    with pytest.raises(BundleRejected, match="any trusted public key"):
        verify_bundle(
            bundle.bundle_json, DIGEST, VerificationPolicy(public_keys=(generate_key().public_key(),))
        )
    doc["dsseEnvelope"]["payloadType"] = "text/plain"
    with pytest.raises(BundleRejected, match="not in-toto"):
        verify_bundle(json.dumps(doc).encode(), DIGEST, policy)
    blob = KeySigner(key).sign_blob(b"payload")
    with pytest.raises(BundleRejected, match="no DSSE envelope"):
        verify_bundle(blob.bundle_json, DIGEST, policy)
    sig = base64.b64decode(json.loads(blob.bundle_json)["messageSignature"]["signature"])
    assert sig == blob.signature
