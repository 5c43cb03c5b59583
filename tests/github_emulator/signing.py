"""Webhook delivery headers as GitHub sends them, signed over the exact bytes."""

from __future__ import annotations

import hashlib
import hmac


def signed_headers(event: str, body: bytes, secret: bytes, guid: str) -> dict[str, str]:
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": guid,
        "X-Hub-Signature-256": "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest(),
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/emulator",
        "X-GitHub-Hook-Installation-Target-Type": "integration",
    }
