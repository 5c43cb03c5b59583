"""Derive cosign's legacy layer annotations from a Sigstore bundle (certificate, chain, Rekor SET, TSA).

cosign v2/policy-controller legacy mode read these annotations instead of a bundle; the values are
re-encoded exactly as cosign writes them (pkg/cosign/bundle/rekor.go, pkg/oci/static/options.go).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from attestations.oci.mediatypes import ANN_CERTIFICATE, ANN_CHAIN, ANN_REKOR_BUNDLE, ANN_RFC3161


def _pem(der_b64: str) -> str:
    cert = x509.load_der_x509_certificate(base64.b64decode(der_b64))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def leaf_certificate_pem(bundle: dict[str, Any]) -> str | None:
    material = bundle.get("verificationMaterial", {})
    if "certificate" in material:
        return _pem(material["certificate"]["rawBytes"])
    chain = material.get("x509CertificateChain", {}).get("certificates", [])
    return _pem(chain[0]["rawBytes"]) if chain else None


def issuing_chain_pem(leaf_pem: str, candidates: list[x509.Certificate]) -> str:
    """Intermediates then root that issued `leaf_pem`, chosen from the trusted root's CA certificates."""
    current = x509.load_pem_x509_certificate(leaf_pem.encode())
    chain: list[x509.Certificate] = []
    for _ in range(len(candidates)):
        parent = next((c for c in candidates if c.subject == current.issuer and c not in chain), None)
        if parent is None:
            break
        chain.append(parent)
        if parent.issuer == parent.subject:
            break
        current = parent
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in chain)


def rekor_bundle_annotation(bundle: dict[str, Any]) -> str | None:
    """`{"SignedEntryTimestamp":..,"Payload":{body,integratedTime,logIndex,logID}}`; None without a SET."""
    entries = bundle.get("verificationMaterial", {}).get("tlogEntries", [])
    if not entries or "inclusionPromise" not in entries[0]:
        return None
    entry = entries[0]
    payload = {
        "body": entry["canonicalizedBody"],
        "integratedTime": int(entry["integratedTime"]),
        "logIndex": int(entry["logIndex"]),
        "logID": base64.b64decode(entry["logId"]["keyId"]).hex(),
    }
    doc = {"SignedEntryTimestamp": entry["inclusionPromise"]["signedEntryTimestamp"], "Payload": payload}
    return json.dumps(doc, separators=(",", ":"))


def rfc3161_annotation(bundle: dict[str, Any]) -> str | None:
    data = bundle.get("verificationMaterial", {}).get("timestampVerificationData", {})
    stamps = data.get("rfc3161Timestamps", [])
    if not stamps:
        return None
    return json.dumps({"SignedRFC3161Timestamp": stamps[0]["signedTimestamp"]}, separators=(",", ":"))


def legacy_annotations(
    bundle_json: bytes, ca_certificates: list[x509.Certificate]
) -> tuple[tuple[str, str], ...]:
    """All cosign annotations this bundle can supply, sorted by key as Go marshals maps."""
    bundle = json.loads(bundle_json)
    found: dict[str, str] = {}
    leaf = leaf_certificate_pem(bundle)
    if leaf:
        found[ANN_CERTIFICATE] = leaf
        found[ANN_CHAIN] = issuing_chain_pem(leaf, ca_certificates)
    rekor = rekor_bundle_annotation(bundle)
    if rekor:
        found[ANN_REKOR_BUNDLE] = rekor
    stamp = rfc3161_annotation(bundle)
    if stamp:
        found[ANN_RFC3161] = stamp
    return tuple(sorted(found.items()))
