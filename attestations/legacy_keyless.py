"""Verify a keyless cosign legacy layer (certificate + Rekor SET annotations) like `cosign verify` does.

Legacy layers carry no inclusion proof, so sigstore-python's Verifier cannot take them; this is
the glue: the SET is checked against the trusted root's Rekor key for its log id, its integrated
time (and an RFC 3161 timestamp, when present) is the signing time at which the Fulcio chain is
built with `cryptography`; then SCT, identity policy, the signature with the certificate's key
and the log entry body's consistency with signature, certificate and payload.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import rfc8785
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from attestations.oci.mediatypes import ANN_CERTIFICATE, ANN_CHAIN, ANN_REKOR_BUNDLE, ANN_RFC3161

if TYPE_CHECKING:
    from sigstore.models import TrustedRoot

    from attestations.policy import VerificationPolicy


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _set_payload(annotations: dict[str, str], trusted_root: TrustedRoot) -> dict[str, Any]:
    """The verified SET payload {body, integratedTime, logIndex, logID}."""
    from sigstore._internal.trust import KeyringPurpose
    from sigstore._utils import KeyID
    from sigstore.errors import VerificationError as SigstoreVerificationError

    if ANN_REKOR_BUNDLE not in annotations:
        raise ValueError("keyless legacy layer has no Rekor SET (dev.sigstore.cosign/bundle)")
    try:
        doc = json.loads(annotations[ANN_REKOR_BUNDLE])
        payload = doc["Payload"]
        canonical = {k: payload[k] for k in ("body", "integratedTime", "logIndex", "logID")}
        log_id = bytes.fromhex(str(payload["logID"]))
        signature = base64.b64decode(doc["SignedEntryTimestamp"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise ValueError("malformed Rekor SET annotation") from exc
    known = {tlog.log_id.key_id for tlog in trusted_root._inner.tlogs}
    if log_id not in known:
        raise ValueError(f"Rekor SET is from log {log_id.hex()[:16]}…, not a log of the trusted root")
    try:
        trusted_root.rekor_keyring(KeyringPurpose.VERIFY).verify(
            key_id=KeyID(log_id), signature=signature, data=rfc8785.dumps(canonical)
        )
    except SigstoreVerificationError as exc:
        raise ValueError("Rekor SET signature does not verify with the trusted log's key") from exc
    return canonical


def _tsa_time(annotations: dict[str, str], signature: bytes, trusted_root: TrustedRoot) -> datetime | None:
    """The time of the optional RFC 3161 timestamp over the signature, verified against the trusted TSAs."""
    from rfc3161_client import decode_timestamp_response
    from sigstore.verify import Verifier

    if ANN_RFC3161 not in annotations:
        return None
    try:
        doc = json.loads(annotations[ANN_RFC3161])
        response = decode_timestamp_response(base64.b64decode(doc["SignedRFC3161Timestamp"], validate=True))
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise ValueError("malformed RFC 3161 timestamp annotation") from exc
    result = Verifier(trusted_root=trusted_root)._verify_signed_timestamp(response, signature)
    if result is None:
        raise ValueError("RFC 3161 timestamp does not verify with a trusted timestamp authority")
    return result.time


def _certificates(annotations: dict[str, str]) -> tuple[x509.Certificate, list[x509.Certificate]]:
    try:
        leaf = x509.load_pem_x509_certificate(annotations[ANN_CERTIFICATE].encode())
        chain = (
            x509.load_pem_x509_certificates(annotations[ANN_CHAIN].encode())
            if annotations.get(ANN_CHAIN)
            else []
        )
    except ValueError as exc:
        raise ValueError("malformed certificate or chain annotation") from exc
    return leaf, chain


def _verify_chain(
    leaf: x509.Certificate, chain: list[x509.Certificate], trusted_root: TrustedRoot, when: datetime
) -> list[x509.Certificate]:
    """The issuing chain (intermediates, root) from the trusted Fulcio CAs, valid at `when`."""
    ca_policy = ExtensionPolicy.webpki_defaults_ca().may_be_present(
        x509.ExtendedKeyUsage, Criticality.NON_CRITICAL, None
    )
    ee_policy = ExtensionPolicy.webpki_defaults_ee().may_be_present(
        x509.ExtendedKeyUsage, Criticality.NON_CRITICAL, None
    )
    verifier = (
        PolicyBuilder()
        .store(Store(trusted_root.get_fulcio_certs()))
        .time(when)
        .extension_policies(ca_policy=ca_policy, ee_policy=ee_policy)
        .build_client_verifier()
    )
    intermediates = [c for c in chain if c.subject != c.issuer]
    try:
        return list(verifier.verify(leaf, intermediates).chain[1:])
    except VerificationError as exc:
        raise ValueError(
            f"certificate does not chain to a trusted Fulcio CA at the signing time: {exc}"
        ) from exc


def _check_profile(leaf: x509.Certificate, chain: list[x509.Certificate], policy: VerificationPolicy) -> None:
    from sigstore._internal.sct import verify_sct
    from sigstore._internal.trust import KeyringPurpose
    from sigstore.errors import VerificationError as SigstoreVerificationError

    assert policy.trusted_root is not None
    try:
        verify_sct(leaf, chain, policy.trusted_root.ct_keyring(KeyringPurpose.VERIFY))
    except SigstoreVerificationError as exc:
        raise ValueError(f"certificate SCT does not verify: {exc}") from exc
    try:
        usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound as exc:
        raise ValueError("certificate has no extended key usage") from exc
    if ExtendedKeyUsageOID.CODE_SIGNING not in usage:
        raise ValueError("certificate is not for code signing")
    try:
        policy.certificate_policy().verify(leaf)
    except SigstoreVerificationError as exc:
        raise ValueError(f"certificate identity rejected: {str(exc).splitlines()[0]}") from exc


def _same_cert(encoded: object, leaf: x509.Certificate) -> bool:
    try:
        pem = base64.b64decode(str(encoded), validate=True)
        return x509.load_pem_x509_certificate(pem) == leaf
    except (ValueError, binascii.Error):
        return False


def _check_body(body_b64: str, leaf: x509.Certificate, signature: bytes, payload: bytes) -> None:
    """The log entry must record this signature, this certificate and this payload (CVE-2022-36056)."""
    try:
        body = json.loads(base64.b64decode(body_b64, validate=True))
        kind, spec = body["kind"], body["spec"]
        if kind == "hashedrekord":
            recorded = spec["data"]["hash"]["value"]
            sigs = [(spec["signature"]["content"], spec["signature"]["publicKey"]["content"])]
        elif kind == "dsse":
            recorded = spec["payloadHash"]["value"]
            sigs = [(s["signature"], s["verifier"]) for s in spec["signatures"]]
        elif kind == "intoto":
            recorded = spec["content"]["payloadHash"]["value"]
            sigs = []  # intoto entries record the envelope; the payload hash binds it
        else:
            raise ValueError(f"unsupported Rekor entry kind {kind!r}")
    except (KeyError, TypeError, binascii.Error) as exc:
        raise ValueError("malformed Rekor entry body") from exc
    if recorded != _sha256(payload):
        raise ValueError("Rekor entry records another payload hash than the signed payload")
    b64sig = base64.b64encode(signature).decode()
    if kind != "intoto" and not any(s == b64sig and _same_cert(v, leaf) for s, v in sigs):
        raise ValueError("Rekor entry records another signature or certificate")


def verify_keyless_layer(
    annotations: dict[str, str], signature: bytes, signed: bytes, payload: bytes, policy: VerificationPolicy
) -> str:
    """Verify `signature` over `signed` (the payload, or the DSSE PAE); `payload` is what Rekor hashed.

    Returns the signer description or raises ValueError with the reason."""
    if not policy.keyless or policy.trusted_root is None:
        raise ValueError("layer is certificate-signed but the policy trusts only public keys")
    entry = _set_payload(annotations, policy.trusted_root)
    leaf, chain = _certificates(annotations)
    when = datetime.fromtimestamp(int(entry["integratedTime"]), tz=UTC)
    issuers = _verify_chain(leaf, chain, policy.trusted_root, when)
    stamped = _tsa_time(annotations, signature, policy.trusted_root)
    if stamped is not None:
        _verify_chain(leaf, chain, policy.trusted_root, stamped)
    _check_profile(leaf, issuers, policy)
    key = leaf.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("certificate key is not ECDSA")
    try:
        key.verify(signature, signed, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise ValueError("signature does not verify with the certificate's key") from exc
    _check_body(str(entry["body"]), leaf, signature, payload)
    return f"certificate {_san(leaf)}"


def _san(leaf: x509.Certificate) -> str:
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return "?"
    names = [
        *san.get_values_for_type(x509.RFC822Name),
        *san.get_values_for_type(x509.UniformResourceIdentifier),
    ]
    return names[0] if names else "?"
