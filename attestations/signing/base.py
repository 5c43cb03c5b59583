"""The Signer interface every backend satisfies, and what a signature produces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from attestations.errors import DockgateError
from attestations.statements import Statement


class SigningError(DockgateError):
    """Signing failed (bad key, password, trust configuration or identity token)."""


@dataclass(frozen=True)
class SignedBundle:
    """A Sigstore bundle v0.3 plus the pieces cosign's legacy layout needs verbatim.

    `envelope_json` is the DSSE envelope exactly as signed (and, keyless, as logged in Rekor);
    `legacy_annotations` are the `dev.sigstore.cosign/*` layer annotations (certificate, chain,
    Rekor bundle with SET, RFC 3161 timestamp) where the signer has them.
    """

    bundle_json: bytes
    content: Literal["dsse-envelope", "message-signature"]
    signature: bytes
    envelope_json: bytes | None
    legacy_annotations: tuple[tuple[str, str], ...] = ()


class Signer(Protocol):
    """Signs in-toto statements (DSSE) and raw payloads (cosign legacy `.sig`)."""

    @property
    def description(self) -> str:
        """Who signs: a key hint or a certificate identity, for logs and reports."""
        ...

    def sign_dsse(self, statement: Statement) -> SignedBundle:
        """A bundle whose DSSE envelope carries `statement.to_json()`."""
        ...

    def sign_blob(self, data: bytes) -> SignedBundle:
        """A messageSignature bundle over sha256(`data`)."""
        ...
