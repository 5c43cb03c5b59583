"""Keyless signing (D1): sigstore-python against public-good, staging or a private instance.

The trust configuration comes from a file (private instance, tests) or from TUF (production,
staging); the OIDC identity token from a file, `SIGSTORE_IDENTITY_TOKEN`, or ambient detection.
One Fulcio certificate is requested per signer and reused for all statements of a run.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from sigstore import dsse as sigstore_dsse
from sigstore.errors import Error as SigstoreError
from sigstore.models import ClientTrustConfig, TrustedRoot
from sigstore.oidc import IdentityError, IdentityToken, detect_credential
from sigstore.sign import Signer as SigstoreSigner
from sigstore.sign import SigningContext
from tuf.api.exceptions import DownloadError, RepositoryError

from attestations.signing.base import SignedBundle, SigningError
from attestations.signing.cosign_material import legacy_annotations
from attestations.statements import Statement

logger = logging.getLogger(__name__)

TOKEN_FILE_ENV = "DOCKGATE_SIGSTORE_IDENTITY_TOKEN_PATH"  # noqa: S105 - variable names, not values
TOKEN_ENV = "SIGSTORE_IDENTITY_TOKEN"  # noqa: S105
TUF_ROOT_ENV = "DOCKGATE_SIGSTORE_TUF_ROOT"


def load_trust_config(source: str, *, tuf_root: Path | None = None) -> ClientTrustConfig:
    """`production`, `staging`, a private TUF repository URL (with its `tuf_root` 1.root.json),
    or the path of a ClientTrustConfig JSON file."""
    try:
        if source == "production":
            return ClientTrustConfig.production()
        if source == "staging":
            return ClientTrustConfig.staging()
        if source.startswith(("http://", "https://")):
            if tuf_root is None:
                raise SigningError(
                    f"TUF repository {source} needs its bootstrap root: set DOCKGATE_SIGSTORE_TUF_ROOT"
                )
            return ClientTrustConfig.from_tuf(source, bootstrap_root=tuf_root)
        return ClientTrustConfig.from_json(Path(source).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SigningError(f"cannot read Sigstore trust config {source}: {exc.strerror}") from exc
    except (SigstoreError, ValueError) as exc:
        raise SigningError(f"invalid Sigstore trust config {source}: {exc}") from exc
    except (RepositoryError, DownloadError) as exc:
        raise SigningError(f"TUF update from {source} failed: {exc}") from exc


def load_identity_token(environ: Mapping[str, str] | None = None) -> IdentityToken:
    """The OIDC token: token file, then SIGSTORE_IDENTITY_TOKEN, then ambient credentials."""
    env = os.environ if environ is None else environ
    raw: str | None = None
    if env.get(TOKEN_FILE_ENV):
        try:
            raw = Path(env[TOKEN_FILE_ENV]).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SigningError(f"cannot read {TOKEN_FILE_ENV}: {exc.strerror}") from exc
    raw = raw or env.get(TOKEN_ENV) or None
    if raw is None:
        try:
            raw = detect_credential()
        except IdentityError as exc:
            raise SigningError(f"ambient OIDC credential detection failed: {exc}") from exc
    if not raw:
        raise SigningError(f"no OIDC identity token for keyless signing: set {TOKEN_FILE_ENV} or {TOKEN_ENV}")
    try:
        return IdentityToken(raw)
    except IdentityError as exc:
        raise SigningError(f"the OIDC identity token is unusable: {exc}") from exc


class KeylessSigner:
    """Ephemeral key + Fulcio certificate + Rekor entry (+ TSA timestamps when configured)."""

    def __init__(self, trust: ClientTrustConfig, token: IdentityToken) -> None:
        self._trust = trust
        self._token = token
        self._context = SigningContext.from_trust_config(trust)
        self._signer: SigstoreSigner | None = None

    @property
    def description(self) -> str:
        return f"{self._token.identity} ({self._token.issuer})"

    def _get(self) -> SigstoreSigner:
        if self._signer is None:
            try:
                self._signer = SigstoreSigner(self._token, self._context, cache=True)
            except SigstoreError as exc:
                raise SigningError(f"could not obtain a signing certificate: {exc}") from exc
        return self._signer

    def _wrap(self, bundle_json: bytes, envelope_json: bytes | None, signature: bytes) -> SignedBundle:
        cas = list(self._trust.trusted_root.get_fulcio_certs())
        return SignedBundle(
            bundle_json=bundle_json,
            content="dsse-envelope" if envelope_json is not None else "message-signature",
            signature=signature,
            envelope_json=envelope_json,
            legacy_annotations=legacy_annotations(bundle_json, cas),
        )

    def sign_dsse(self, statement: Statement) -> SignedBundle:
        try:
            bundle = self._get().sign_dsse(sigstore_dsse.Statement(statement.to_json()))
        except SigstoreError as exc:
            raise SigningError(f"keyless signing failed: {exc}") from exc
        envelope = bundle._dsse_envelope  # the exact envelope submitted to Rekor (envelopeHash)
        assert envelope is not None
        logger.info("signed %s as %s", statement.predicate_type, self.description)
        return self._wrap(bundle.to_json().encode(), envelope.to_json().encode(), bundle.signature)

    def sign_blob(self, data: bytes) -> SignedBundle:
        try:
            bundle = self._get().sign_artifact(data)
        except SigstoreError as exc:
            raise SigningError(f"keyless signing failed: {exc}") from exc
        return self._wrap(bundle.to_json().encode(), None, bundle.signature)


def tuf_root_from_env(environ: Mapping[str, str] | None = None) -> Path | None:
    """DOCKGATE_SIGSTORE_TUF_ROOT: the trusted 1.root.json of a private TUF repository."""
    value = (os.environ if environ is None else environ).get(TUF_ROOT_ENV)
    return Path(value) if value else None


def load_trusted_root(source: str) -> TrustedRoot:
    """Verification trust: a trusted_root.json, a ClientTrustConfig file, or `production`/`staging` (TUF)."""
    path = Path(source)
    if source not in ("production", "staging") and path.is_file():
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(doc, dict) and "trustedRoot" not in doc:
                return TrustedRoot.from_file(str(path))
        except (OSError, ValueError, SigstoreError) as exc:
            raise SigningError(f"invalid Sigstore trusted root {source}: {exc}") from exc
    return load_trust_config(source, tuf_root=tuf_root_from_env()).trusted_root
