"""DSSE envelopes (https://github.com/secure-systems-lab/dsse): PAE and the exact envelope bytes.

The bytes matter: cosign compares a Rekor entry's envelopeHash with sha256 of the `.att` layer, so
an envelope is kept as the JSON it was signed and logged as, never re-serialised.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from attestations.errors import DockgateError

INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"


class InvalidEnvelope(DockgateError):
    """A DSSE envelope is malformed."""


def pae(payload_type: str, payload: bytes) -> bytes:
    """Pre-Authentication Encoding: what a DSSE signature actually covers."""
    ptype = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(payload), payload)


@dataclass(frozen=True)
class Envelope:
    """A parsed envelope; `signatures` are raw signature bytes, in order."""

    payload_type: str
    payload: bytes
    signatures: tuple[bytes, ...]

    def pae(self) -> bytes:
        return pae(self.payload_type, self.payload)

    def to_json(self) -> bytes:
        """The serialisation sigstore bundles use (payload, payloadType, signatures[{sig}])."""
        doc = {
            "payload": base64.b64encode(self.payload).decode(),
            "payloadType": self.payload_type,
            "signatures": [{"sig": base64.b64encode(s).decode()} for s in self.signatures],
        }
        return json.dumps(doc, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> Envelope:
        try:
            doc = json.loads(raw)
            signatures = tuple(base64.b64decode(s["sig"], validate=True) for s in doc["signatures"])
            payload = base64.b64decode(doc["payload"], validate=True)
            payload_type = doc["payloadType"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidEnvelope(f"malformed DSSE envelope: {exc.__class__.__name__}") from exc
        if not isinstance(payload_type, str) or not signatures:
            raise InvalidEnvelope("malformed DSSE envelope: needs payloadType and at least one signature")
        return cls(payload_type, payload, signatures)
