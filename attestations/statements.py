"""in-toto Statement v1 values and their canonical bytes (RFC 8785), so a statement signs the same way twice.

Predicate types follow cosign's `--type` names where cosign has one (D2 of the design), so
`cosign verify-attestation --type cyclonedx` finds what dockgate attaches.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import rfc8785

from attestations.errors import UsageError

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
# cosign's legacy `attest` still writes v0.1; the fields dockgate reads are identical, so accept it on read.
READABLE_STATEMENT_TYPES = (STATEMENT_TYPE, "https://in-toto.io/Statement/v0.1")
IMAGE_SIGNATURE = "https://sigstore.dev/cosign/sign/v1"
CYCLONEDX = "https://cyclonedx.org/bom"
SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1"
VULNERABILITY = "https://cosign.sigstore.dev/attestation/vuln/v1"
LINT = "https://dockgate.dev/attestation/lint/v1"

PREDICATE_TYPES: Mapping[str, str] = {
    "cyclonedx": CYCLONEDX,
    "slsaprovenance": SLSA_PROVENANCE_V1,
    "slsaprovenance1": SLSA_PROVENANCE_V1,
    "vuln": VULNERABILITY,
    "lint": LINT,
    "sign": IMAGE_SIGNATURE,
    "spdxjson": "https://spdx.dev/Document",
    "openvex": "https://openvex.dev/ns",
    "custom": "https://cosign.sigstore.dev/attestation/v1",
}


class InvalidStatement(UsageError):
    """A document is not an in-toto Statement v1 dockgate can sign or trust."""


def predicate_type_for(name: str) -> str:
    """Map a cosign-style `--type` name (or a full URI) to a predicate type URI."""
    if name in PREDICATE_TYPES:
        return PREDICATE_TYPES[name]
    if name.startswith(("https://", "http://")):
        return name
    known = ", ".join(sorted(PREDICATE_TYPES))
    raise InvalidStatement(f"unknown predicate type {name!r}: use one of {known} or a URI")


@dataclass(frozen=True)
class Subject:
    """What a statement is about: for images, `registry/repository` and the manifest digest."""

    name: str
    digest: Mapping[str, str]


@dataclass(frozen=True)
class Statement:
    """An in-toto Statement v1; `to_json()` is the exact payload that gets signed."""

    subjects: tuple[Subject, ...]
    predicate_type: str
    predicate: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "_type": STATEMENT_TYPE,
            "subject": [{"name": s.name, "digest": dict(s.digest)} for s in self.subjects],
            "predicateType": self.predicate_type,
            "predicate": dict(self.predicate),
        }

    def to_json(self) -> bytes:
        """RFC 8785 canonical JSON: key order and number format do not depend on who built it."""
        try:
            return rfc8785.dumps(self.to_dict())
        except rfc8785.CanonicalizationError as exc:
            raise InvalidStatement(f"statement cannot be canonicalised (RFC 8785): {exc}") from exc

    def has_subject_digest(self, digest: str) -> bool:
        """True when a subject names `digest` (`sha256:<hex>`)."""
        algorithm, _, hexdigest = digest.partition(":")
        return any(s.digest.get(algorithm) == hexdigest for s in self.subjects)

    @classmethod
    def from_json(cls, raw: bytes) -> Statement:
        """Parse and check a Statement v1 (the payload of a verified envelope)."""
        try:
            doc = json.loads(raw)
        except ValueError as exc:
            raise InvalidStatement("statement payload is not JSON") from exc
        if not isinstance(doc, dict) or doc.get("_type") not in READABLE_STATEMENT_TYPES:
            raise InvalidStatement(f"payload is not an in-toto Statement (_type must be {STATEMENT_TYPE})")
        subjects = doc.get("subject")
        if not isinstance(subjects, list) or not subjects:
            raise InvalidStatement("statement has no subject")
        parsed = []
        for item in subjects:
            if not isinstance(item, dict) or not isinstance(item.get("digest"), dict):
                raise InvalidStatement("statement subject lacks a digest")
            parsed.append(Subject(str(item.get("name", "")), dict(item["digest"])))
        ptype = doc.get("predicateType")
        predicate = doc.get("predicate", {})
        if not isinstance(ptype, str) or not isinstance(predicate, dict):
            raise InvalidStatement("statement needs a predicateType string and a predicate object")
        return cls(tuple(parsed), ptype, predicate)


def image_subject(name: str, digest: str) -> Subject:
    """The subject for an image `registry/repository` at manifest `digest` (`sha256:<hex>`)."""
    algorithm, sep, hexdigest = digest.partition(":")
    if not sep or algorithm != "sha256" or len(hexdigest) != 64:
        raise InvalidStatement(f"image digest {digest!r} must be sha256:<64 hex>")
    return Subject(name, {"sha256": hexdigest})
