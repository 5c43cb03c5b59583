"""Keyless signing (D1): sigstore-python against public-good, staging or a private instance.

The trust configuration comes from a file (private instance, tests) or from TUF (production,
staging); the OIDC identity token from a file, `SIGSTORE_IDENTITY_TOKEN`, or ambient detection.
The token is read again on every signature (a projected Kubernetes token rotates under a
long-running worker); one Fulcio certificate is reused while the token is unchanged and the
certificate is valid, and a new one is requested when either changes.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeAlias

from sigstore import dsse as sigstore_dsse
from sigstore._internal.fulcio.client import ExpiredCertificate
from sigstore.errors import Error as SigstoreError
from sigstore.models import Bundle, ClientTrustConfig, TrustedRoot
from sigstore.oidc import ExpiredIdentity, IdentityError, IdentityToken, detect_credential
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

TokenSource: TypeAlias = Callable[[], IdentityToken]


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
    """Ephemeral key + Fulcio certificate + Rekor entry (+ TSA timestamps when configured).

    `token` is a fixed IdentityToken, or a TokenSource called before every signature (see
    `token_source`) so that a rotated token file is picked up without restarting.
    """

    def __init__(self, trust: ClientTrustConfig, token: IdentityToken | TokenSource) -> None:
        self._trust = trust
        self._token_source: TokenSource = (lambda: token) if isinstance(token, IdentityToken) else token
        self._context = SigningContext.from_trust_config(trust)
        self._signer: SigstoreSigner | None = None
        self._token: IdentityToken | None = None  # the token `_signer` was made with

    @property
    def trust(self) -> ClientTrustConfig:
        return self._trust

    def current_token(self) -> IdentityToken:
        """Read the identity token now (file, environment or ambient), as the next signature will."""
        return self._token_source()

    @property
    def description(self) -> str:
        token = self._token or self._token_source()
        return f"{token.identity} ({token.issuer})"

    def _get(self) -> SigstoreSigner:
        token = self._token_source()
        if self._signer is None or self._token is None or str(token) != str(self._token):
            try:
                self._signer = SigstoreSigner(token, self._context, cache=True)
            except ExpiredIdentity as exc:
                raise SigningError("the OIDC identity token has expired: refresh the token file") from exc
            except SigstoreError as exc:
                raise SigningError(f"could not obtain a signing certificate: {exc}") from exc
            self._token = token
        return self._signer

    def _sign(self, action: Callable[[SigstoreSigner], Bundle]) -> Bundle:
        for attempt in range(2):
            try:
                return action(self._get())
            except ExpiredCertificate as exc:  # the reused Fulcio certificate ran out: ask for a new one
                self._signer = None
                if attempt:
                    raise SigningError("keyless signing failed: the new certificate expired at once") from exc
            except ExpiredIdentity as exc:
                raise SigningError("the OIDC identity token has expired: refresh the token file") from exc
            except SigstoreError as exc:
                raise SigningError(f"keyless signing failed: {exc}") from exc
        raise AssertionError("unreachable")

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
        dsse_statement = sigstore_dsse.Statement(statement.to_json())
        bundle = self._sign(lambda signer: signer.sign_dsse(dsse_statement))
        envelope = bundle._dsse_envelope  # the exact envelope submitted to Rekor (envelopeHash)
        assert envelope is not None
        logger.info("signed %s as %s", statement.predicate_type, self.description)
        return self._wrap(bundle.to_json().encode(), envelope.to_json().encode(), bundle.signature)

    def sign_blob(self, data: bytes) -> SignedBundle:
        bundle = self._sign(lambda signer: signer.sign_artifact(data))
        return self._wrap(bundle.to_json().encode(), None, bundle.signature)


def token_source(environ: Mapping[str, str] | None = None) -> TokenSource:
    """A TokenSource that calls `load_identity_token(environ)` each time (nothing is cached)."""
    return lambda: load_identity_token(environ)


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
