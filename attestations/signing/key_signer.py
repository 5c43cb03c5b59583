"""Key-based signing (D4): ECDSA P-256 over the DSSE PAE, emitted as a bundle v0.3 with a publicKey hint.

sigstore-python has no key mode, so dockgate writes the (small) bundle document itself: the
tests parse every bundle with `sigstore_models` and verify it with sigstore-js and cosign.
Building it without importing sigstore keeps `dockgate sign --key` start-up fast.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from attestations.dsse import INTOTO_PAYLOAD_TYPE, pae
from attestations.oci.mediatypes import BUNDLE_V03
from attestations.signing.base import SignedBundle
from attestations.signing.keys import key_hint
from attestations.statements import Statement


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _dumps(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


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

    def _bundle(self, content_key: str, content: dict[str, Any]) -> bytes:
        material = {"publicKey": {"hint": self.hint}, "tlogEntries": []}
        return _dumps({"mediaType": BUNDLE_V03, "verificationMaterial": material, content_key: content})

    def sign_dsse(self, statement: Statement) -> SignedBundle:
        payload = statement.to_json()
        signature = self._key.sign(pae(INTOTO_PAYLOAD_TYPE, payload), ec.ECDSA(hashes.SHA256()))
        envelope = {
            "payload": _b64(payload),
            "payloadType": INTOTO_PAYLOAD_TYPE,
            "signatures": [{"sig": _b64(signature)}],
        }
        return SignedBundle(
            bundle_json=self._bundle("dsseEnvelope", envelope),
            content="dsse-envelope",
            signature=signature,
            envelope_json=_dumps(envelope),
        )

    def sign_blob(self, data: bytes) -> SignedBundle:
        signature = self._key.sign(data, ec.ECDSA(hashes.SHA256()))
        message = {
            "messageDigest": {"algorithm": "SHA2_256", "digest": _b64(hashlib.sha256(data).digest())},
            "signature": _b64(signature),
        }
        return SignedBundle(
            bundle_json=self._bundle("messageSignature", message),
            content="message-signature",
            signature=signature,
            envelope_json=None,
        )
