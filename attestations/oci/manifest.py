"""Manifests as raw bytes plus what was learned about them: the bytes are what digests are taken of."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any


def digest_of(data: bytes) -> str:
    """The OCI content digest (sha256) of `data`."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical_json(obj: Any) -> bytes:
    """Compact JSON with keys in insertion order, as go-containerregistry writes manifests."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Manifest:
    """A manifest or index exactly as the registry stored it."""

    raw: bytes
    media_type: str
    digest: str

    def json(self) -> dict[str, Any]:
        """The parsed document (always a JSON object; the client refuses anything else)."""
        data = json.loads(self.raw)
        if not isinstance(data, dict):
            raise ValueError("manifest is not a JSON object")
        return data

    def descriptor(self) -> dict[str, Any]:
        """The OCI descriptor pointing at this manifest."""
        return {"mediaType": self.media_type, "digest": self.digest, "size": len(self.raw)}
