"""`X-Hub-Signature-256` verification over the raw request body, before anything is parsed."""

from __future__ import annotations

import hashlib
import hmac

from attestations.errors import DockgateError

PREFIX = "sha256="


class SignatureError(DockgateError):
    """The delivery is not signed with our webhook secret."""


def sign(secret: bytes, body: bytes) -> str:
    """The header value GitHub sends for `body` (used by tests and the benchmark too)."""
    return PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, header: str | None) -> None:
    """Raise :class:`SignatureError` unless `header` is the HMAC-SHA256 of `body` (constant time)."""
    if not header:
        raise SignatureError("missing X-Hub-Signature-256 header; is the webhook secret set on the App?")
    if not hmac.compare_digest(sign(secret, body).encode(), header.strip().encode()):
        raise SignatureError("X-Hub-Signature-256 does not match; check GITHUB_WEBHOOK_SECRET")
