"""Key-based signing (D4): ECDSA P-256 over the DSSE PAE, emitted as a bundle v0.3 with a publicKey hint.

sigstore-python has no key mode, so the bundle is built from `sigstore_models` and verified by
dockgate's own verifier (and by sigstore-js and cosign in the tests).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sigstore_models.bundle.v1 import Bundle, VerificationMaterial
from sigstore_models.common.v1 import HashAlgorithm, HashOutput, MessageSignature, PublicKeyIdentifier
from sigstore_models.intoto import Envelope as ModelEnvelope
from sigstore_models.intoto import Signature

from attestations.dsse import INTOTO_PAYLOAD_TYPE, pae
from attestations.signing.base import SignedBundle
from attestations.signing.keys import key_hint
from attestations.statements import Statement


class KeySigner:
    """Signs with a local ECDSA P-256 private key; no transparency log, no timestamp."""

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        self._key = key
        self.hint = key_hint(key.public_key())

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._key.public_key()

    @property
    def description(self) -> str:
        return f"key {self.hint}"

    def _material(self) -> VerificationMaterial:
        return VerificationMaterial(public_key=PublicKeyIdentifier(hint=self.hint), tlog_entries=[])

    def sign_dsse(self, statement: Statement) -> SignedBundle:
        payload = statement.to_json()
        signature = self._key.sign(pae(INTOTO_PAYLOAD_TYPE, payload), ec.ECDSA(hashes.SHA256()))
        envelope = ModelEnvelope(
            payload=base64.b64encode(payload),
            payload_type=INTOTO_PAYLOAD_TYPE,
            signatures=[Signature(sig=base64.b64encode(signature))],
        )
        bundle = Bundle(
            media_type="application/vnd.dev.sigstore.bundle.v0.3+json",
            verification_material=self._material(),
            dsse_envelope=envelope,
        )
        return SignedBundle(
            bundle_json=bundle.to_json().encode(),
            content="dsse-envelope",
            signature=signature,
            envelope_json=envelope.to_json().encode(),
        )

    def sign_blob(self, data: bytes) -> SignedBundle:
        signature = self._key.sign(data, ec.ECDSA(hashes.SHA256()))
        message = MessageSignature(
            message_digest=HashOutput(
                algorithm=HashAlgorithm.SHA2_256, digest=base64.b64encode(hashlib.sha256(data).digest())
            ),
            signature=base64.b64encode(signature),
        )
        bundle = Bundle(
            media_type="application/vnd.dev.sigstore.bundle.v0.3+json",
            verification_material=self._material(),
            message_signature=message,
        )
        return SignedBundle(
            bundle_json=bundle.to_json().encode(),
            content="message-signature",
            signature=signature,
            envelope_json=None,
        )
