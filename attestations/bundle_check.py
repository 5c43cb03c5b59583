"""Verify one Sigstore bundle against a policy: key bundles with our ECDSA code, keyless with sigstore-python.

After the signature, the payload must be an in-toto Statement v1 whose subject is the image
digest: a valid signature over a statement about another image proves nothing about this one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

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
    keys: tuple[ec.EllipticCurvePublicKey, ...], signature: bytes, message: bytes
) -> ec.EllipticCurvePublicKey | None:
    """The key among `keys` that signed `message` (ECDSA P-256/SHA-256), if any."""
    for key in keys:
        try:
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            continue
        return key
    return None


def trusted_signing_key(
    policy: VerificationPolicy, signatures: Iterable[bytes], message: bytes, what: str = "DSSE signature"
) -> ec.EllipticCurvePublicKey:
    """The trusted key, inside its validity window, that made one of `signatures`."""
    outside = None
    for signature in signatures:
        key = verify_key_signature(policy.public_keys, signature, message)
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
