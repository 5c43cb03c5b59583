"""Verify one Sigstore bundle against a policy: key bundles with our ECDSA code, keyless with sigstore-python.

After the signature, the payload must be an in-toto Statement v1 whose subject is the image
digest: a valid signature over a statement about another image proves nothing about this one.
`verify_blob_bundle` checks message-signature bundles (`cosign sign-blob`, `sigstore sign`) over a blob.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from attestations.dsse import INTOTO_PAYLOAD_TYPE, Envelope, InvalidEnvelope
from attestations.errors import DockgateError
from attestations.policy import VerificationPolicy
from attestations.signing.keys import key_hint
from attestations.statements import InvalidStatement, Statement

if TYPE_CHECKING:
    from sigstore.models import Bundle


class BundleRejected(DockgateError):
    """A stored bundle did not verify under the policy (the reason says which check failed)."""


def verify_key_signature(
    keys: tuple[ec.EllipticCurvePublicKey, ...], signature: bytes, message: bytes, *, prehashed: bool = False
) -> ec.EllipticCurvePublicKey | None:
    """The key among `keys` that signed `message` (ECDSA P-256/SHA-256), if any.

    With `prehashed`, `message` is already the SHA-256 digest (a messageSignature bundle).
    """
    algorithm = ec.ECDSA(Prehashed(hashes.SHA256()) if prehashed else hashes.SHA256())
    for key in keys:
        try:
            key.verify(signature, message, algorithm)
        except InvalidSignature:
            continue
        return key
    return None


def trusted_signing_key(
    policy: VerificationPolicy,
    signatures: Iterable[bytes],
    message: bytes,
    what: str = "DSSE signature",
    *,
    prehashed: bool = False,
) -> ec.EllipticCurvePublicKey:
    """The trusted key, inside its validity window, that made one of `signatures`."""
    outside = None
    for signature in signatures:
        key = verify_key_signature(policy.public_keys, signature, message, prehashed=prehashed)
        if key is None:
            continue
        why = policy.key_outside_window(key)
        if why is None:
            return key
        outside = f"{what} is by key {key_hint(key)}, which is {why} (re-sign with a current key)"
    raise BundleRejected(outside or f"{what} does not verify with any trusted public key")


def _verify_key(doc: dict[str, Any], policy: VerificationPolicy) -> tuple[bytes, str]:
    if not policy.public_keys:
        raise BundleRejected("bundle is key-signed but the policy trusts no public key")
    try:
        envelope = Envelope.from_json(json.dumps(doc["dsseEnvelope"]))
    except (InvalidEnvelope, KeyError) as exc:
        raise BundleRejected(f"malformed DSSE envelope in bundle: {exc}") from exc
    if envelope.payload_type != INTOTO_PAYLOAD_TYPE:
        raise BundleRejected(f"payloadType {envelope.payload_type!r} is not in-toto")
    key = trusted_signing_key(policy, envelope.signatures, envelope.pae())
    return envelope.payload, f"key {key_hint(key)}"


def _verify_keyless(bundle_json: bytes, policy: VerificationPolicy) -> tuple[bytes, str]:
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import Bundle
    from sigstore.verify import Verifier

    if not policy.keyless or policy.trusted_root is None:
        raise BundleRejected("bundle is certificate-signed but the policy trusts only public keys")
    try:
        bundle = Bundle.from_json(bundle_json)
        verifier = Verifier(trusted_root=policy.trusted_root)
        payload_type, payload = verifier.verify_dsse(bundle, policy.certificate_policy())
    except SigstoreError as exc:
        raise BundleRejected(f"Sigstore verification failed: {str(exc).splitlines()[0]}") from exc
    if payload_type != INTOTO_PAYLOAD_TYPE:
        raise BundleRejected(f"payloadType {payload_type!r} is not in-toto")
    return payload, f"certificate {_san(bundle)}"


def _san(bundle: Bundle) -> str:
    from cryptography import x509

    try:
        san = bundle.signing_certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return "?"
    names = [str(v) for v in san.get_values_for_type(x509.RFC822Name)]
    names += [str(v) for v in san.get_values_for_type(x509.UniformResourceIdentifier)]
    return names[0] if names else "?"


def verify_bundle(bundle_json: bytes, digest: str, policy: VerificationPolicy) -> tuple[Statement, str]:
    """Return the verified statement and a description of its signer, or raise BundleRejected."""
    try:
        doc = json.loads(bundle_json)
    except ValueError as exc:
        raise BundleRejected("bundle is not JSON") from exc
    if not isinstance(doc, dict) or "dsseEnvelope" not in doc:
        raise BundleRejected("bundle holds no DSSE envelope")
    if "publicKey" in doc.get("verificationMaterial", {}):
        payload, signer = _verify_key(doc, policy)
    else:
        payload, signer = _verify_keyless(bundle_json, policy)
    try:
        statement = Statement.from_json(payload)
    except InvalidStatement as exc:
        raise BundleRejected(exc.diagnostics()) from exc
    if not statement.has_subject_digest(digest):
        raise BundleRejected(f"signed statement is about another image, not {digest}")
    return statement, signer


def _sha256(blob_or_digest: bytes | str) -> bytes:
    if isinstance(blob_or_digest, bytes):
        return hashlib.sha256(blob_or_digest).digest()
    algorithm, _, hexdigest = blob_or_digest.partition(":")
    try:
        digest = bytes.fromhex(hexdigest)
    except ValueError:
        digest = b""
    if algorithm != "sha256" or len(digest) != 32:
        raise BundleRejected(f"expected the blob or its sha256:<hex> digest, not {blob_or_digest!r}")
    return digest


def _verify_key_blob(message: dict[str, Any], digest: bytes, policy: VerificationPolicy) -> str:
    if not policy.public_keys:
        raise BundleRejected("bundle is key-signed but the policy trusts no public key")
    try:
        declared = message["messageDigest"]
        declared_digest = base64.b64decode(declared["digest"], validate=True)
        signature = base64.b64decode(message["signature"], validate=True)
    except (KeyError, TypeError, binascii.Error) as exc:
        raise BundleRejected("malformed messageSignature in bundle") from exc
    if declared.get("algorithm") != "SHA2_256" or declared_digest != digest:
        raise BundleRejected("bundle signs another blob (its messageDigest is not the blob's SHA-256)")
    key = trusted_signing_key(policy, [signature], digest, "message signature", prehashed=True)
    return f"key {key_hint(key)}"


def _verify_keyless_blob(bundle_json: bytes, digest: bytes, policy: VerificationPolicy) -> str:
    from sigstore.errors import Error as SigstoreError
    from sigstore.hashes import Hashed
    from sigstore.models import Bundle
    from sigstore.verify import Verifier
    from sigstore_models.common.v1 import HashAlgorithm

    if not policy.keyless or policy.trusted_root is None:
        raise BundleRejected("bundle is certificate-signed but the policy trusts only public keys")
    try:
        bundle = Bundle.from_json(bundle_json)
        hashed = Hashed(algorithm=HashAlgorithm.SHA2_256, digest=digest)
        Verifier(trusted_root=policy.trusted_root).verify_artifact(
            hashed, bundle, policy.certificate_policy()
        )
    except SigstoreError as exc:
        raise BundleRejected(f"Sigstore verification failed: {str(exc).splitlines()[0]}") from exc
    return f"certificate {_san(bundle)}"


def verify_blob_bundle(bundle_json: bytes, blob_or_digest: bytes | str, policy: VerificationPolicy) -> str:
    """Verify a messageSignature bundle over a blob (bytes, or its `sha256:<hex>` digest); return the signer.

    Keyless bundles (v0.1-v0.3, certificate or chain) go through sigstore-python: certificate chain to
    the policy's trusted root, transparency log, identity policy. Key bundles (`publicKey` hint) are
    checked here: the signature over the digest by a trusted key inside its validity window; their
    Rekor entry and timestamps, when present, are not checked (dockgate's own key bundles have none).
    """
    try:
        doc = json.loads(bundle_json)
    except ValueError as exc:
        raise BundleRejected("bundle is not JSON") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("messageSignature"), dict):
        raise BundleRejected("bundle holds no message signature (a DSSE bundle is checked by verify_bundle)")
    digest = _sha256(blob_or_digest)
    if "publicKey" in doc.get("verificationMaterial", {}):
        return _verify_key_blob(doc["messageSignature"], digest, policy)
    return _verify_keyless_blob(bundle_json, digest, policy)
