"""Key-based signing (D4): ECDSA P-256 over the DSSE PAE, emitted as a bundle v0.3 with a publicKey hint.

`KmsSigner` signs through any `KmsClient` (a cloud KMS plug-in, or `filekms://`); `KeySigner` is the
same signer over a private key held in this process. Both produce identical bundles.

sigstore-python has no key mode, so dockgate writes the (small) bundle document itself: the
tests parse every bundle with `sigstore_models` and verify it with sigstore-js and cosign.
Building it without importing sigstore keeps `dockgate sign --key` start-up fast.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from attestations.dsse import INTOTO_PAYLOAD_TYPE, pae
from attestations.oci.mediatypes import BUNDLE_V03
from attestations.signing.base import SignedBundle, SigningError
from attestations.signing.keys import key_hint
from attestations.signing.kms import KmsClient, PrivateKeyClient
from attestations.statements import Statement


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _dumps(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


class KmsSigner:
    """Signs through a KmsClient (SHA-256 digest signed by the service); no transparency log, no timestamp."""

    def __init__(self, client: KmsClient) -> None:
        self._client = client
        public = client.public_key()
        if not isinstance(public, ec.EllipticCurvePublicKey) or not isinstance(public.curve, ec.SECP256R1):
            raise SigningError(f"KMS key {client.reference} is not ECDSA P-256")
        self._public = public
        self.hint = key_hint(public)

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._public

    @property
    def reference(self) -> str:
        return self._client.reference

    @property
    def description(self) -> str:
        return f"kms {self._client.reference} (key {self.hint})"

    def _sign(self, message: bytes) -> bytes:
        return self._client.sign_digest(hashlib.sha256(message).digest())

    def _bundle(self, content_key: str, content: dict[str, Any]) -> bytes:
        material = {"publicKey": {"hint": self.hint}, "tlogEntries": []}
        return _dumps({"mediaType": BUNDLE_V03, "verificationMaterial": material, content_key: content})

    def sign_dsse(self, statement: Statement) -> SignedBundle:
        payload = statement.to_json()
        signature = self._sign(pae(INTOTO_PAYLOAD_TYPE, payload))
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
        signature = self._sign(data)
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


class KeySigner(KmsSigner):
    """Signs with a local ECDSA P-256 private key (a KmsSigner whose "service" is this process)."""

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        super().__init__(PrivateKeyClient(key))

    @property
    def description(self) -> str:
        return f"key {self.hint}"
