"""Verify cosign legacy `.sig`/`.att` layers (the fallback when an image has no bundles).

Key-signed layers are checked against the policy's public keys; keyless layers (a Fulcio
certificate and a Rekor SET in annotations) as `cosign verify` does, in `legacy_keyless`.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from attestations.bundle_check import BundleRejected, trusted_signing_key
from attestations.dsse import INTOTO_PAYLOAD_TYPE, Envelope, InvalidEnvelope
from attestations.legacy_keyless import verify_keyless_layer
from attestations.oci import ImageReference, NotFound, RegistryClient, RegistryError
from attestations.oci.mediatypes import ANN_CERTIFICATE, ANN_SIGNATURE, DSSE_LAYER, SIMPLESIGNING
from attestations.policy import VerificationPolicy
from attestations.signing.keys import key_hint
from attestations.statements import IMAGE_SIGNATURE, InvalidStatement, Statement, image_subject
from attestations.storage.legacy import MAX_LEGACY_LAYERS, attestation_tag, signature_tag

MAX_LAYER_BYTES = 1 << 20


def _check_sig(payload: bytes, annotations: dict[str, str], digest: str, policy: VerificationPolicy) -> str:
    """Return the signer description or raise ValueError with the reason."""
    try:
        claimed = json.loads(payload)["critical"]["image"]["docker-manifest-digest"]
        signature = base64.b64decode(annotations.get(ANN_SIGNATURE, ""), validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise ValueError("malformed simple-signing payload or signature annotation") from exc
    if claimed != digest:
        raise ValueError(f"signature is for {claimed}, not {digest}")
    if ANN_CERTIFICATE in annotations:
        return verify_keyless_layer(annotations, signature, payload, payload, policy)
    try:
        key = trusted_signing_key(policy, [signature], payload, what="signature")
    except BundleRejected as exc:
        raise ValueError(str(exc)) from exc
    return f"key {key_hint(key)}"


def _check_att(
    blob: bytes, annotations: dict[str, str], digest: str, policy: VerificationPolicy
) -> tuple[Statement, str]:
    try:
        envelope = Envelope.from_json(blob)
    except InvalidEnvelope as exc:
        raise ValueError(exc.diagnostics()) from exc
    if envelope.payload_type != INTOTO_PAYLOAD_TYPE:
        raise ValueError("payloadType is not in-toto")
    if ANN_CERTIFICATE in annotations:
        if len(envelope.signatures) != 1:
            raise ValueError("keyless DSSE envelope must carry exactly one signature")
        pae = envelope.pae()
        signer = verify_keyless_layer(annotations, envelope.signatures[0], pae, envelope.payload, policy)
        return _statement(envelope.payload, digest), signer
    try:
        key = trusted_signing_key(policy, envelope.signatures, envelope.pae())
    except BundleRejected as exc:
        raise ValueError(str(exc)) from exc
    return _statement(envelope.payload, digest), f"key {key_hint(key)}"


def _statement(payload: bytes, digest: str) -> Statement:
    try:
        statement = Statement.from_json(payload)
    except InvalidStatement as exc:
        raise ValueError(exc.diagnostics()) from exc
    if not statement.has_subject_digest(digest):
        raise ValueError(f"statement is about another image, not {digest}")
    return statement


def _layers(client: RegistryClient, repository: str, tag: str) -> list[tuple[dict[str, Any], bytes]]:
    try:
        manifest = client.get_manifest(repository, tag).json()
    except NotFound:
        return []
    layers = manifest.get("layers", [])[:MAX_LEGACY_LAYERS]
    return [
        (layer, client.get_blob(repository, layer["digest"], max_size=MAX_LAYER_BYTES))
        for layer in layers
        if int(layer.get("size", 0)) <= MAX_LAYER_BYTES
    ]


def legacy_results(
    client: RegistryClient, ref: ImageReference, digest: str, policy: VerificationPolicy
) -> list[dict[str, Any]]:
    """AttestationResult fields for every legacy layer of the image."""
    results: list[dict[str, Any]] = []
    try:
        sig_layers = _layers(client, ref.repository, signature_tag(digest))
        att_layers = _layers(client, ref.repository, attestation_tag(digest))
    except RegistryError as exc:
        return [{"source": "legacy", "verified": False, "reason": exc.diagnostics()}]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # hostile or broken documents
        return [
            {
                "source": "legacy",
                "verified": False,
                "reason": f"malformed legacy image ({exc.__class__.__name__})",
            }
        ]
    for layer, blob in [*sig_layers, *att_layers]:
        source = f"legacy {layer.get('digest')}"
        annotations = layer.get("annotations", {})
        if ANN_CERTIFICATE not in annotations and not policy.public_keys:
            results.append(
                {
                    "source": source,
                    "verified": False,
                    "reason": "layer is key-signed but the policy trusts no public key",
                }
            )
            continue
        try:
            if layer.get("mediaType") == SIMPLESIGNING:
                signer = _check_sig(blob, annotations, digest, policy)
                statement = Statement((image_subject(ref.name, digest),), IMAGE_SIGNATURE, {})
            elif layer.get("mediaType") == DSSE_LAYER:
                statement, signer = _check_att(blob, annotations, digest, policy)
            else:
                raise ValueError(f"unexpected layer type {layer.get('mediaType')}")
        except ValueError as exc:
            results.append({"source": source, "verified": False, "reason": str(exc)})
            continue
        results.append(
            {
                "source": source,
                "verified": True,
                "reason": "verified",
                "predicate_type": statement.predicate_type,
                "signer": signer,
                "statement": statement,
            }
        )
    return results
