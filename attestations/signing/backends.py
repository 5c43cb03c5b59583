"""Choose the signer from configuration (key file, KMS key, or keyless), and check it at start-up.

`to_backend` builds a signer; `validate_signer` builds it and proves it can sign (key decrypts, KMS
answers with a signature its public key verifies, keyless has a current identity token and can reach
the Fulcio and Rekor of its signing config), raising ConfigError with one actionable line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, assert_never

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from attestations.errors import ConfigError
from attestations.signing.base import Signer, SigningError
from attestations.signing.key_signer import KeySigner, KmsSigner
from attestations.signing.keys import PASSWORD_ENV, load_private_key
from attestations.signing.kms import is_kms_reference, kms_client

if TYPE_CHECKING:
    from attestations.signing.keyless import KeylessSigner

PROBE = b"dockgate signer self-test"


class SignerBackend(Enum):
    KEY = "key"
    KMS = "kms"
    KEYLESS = "keyless"


def backend_for_key(key: str) -> SignerBackend:
    """`--key` / DOCKGATE_SIGNING_KEY_PATH: a `scheme://` reference is a KMS key, anything else a PEM file."""
    return SignerBackend.KMS if is_kms_reference(key) else SignerBackend.KEY


def to_backend(
    backend: SignerBackend,
    *,
    key_path: Path | None = None,
    key_ref: str | None = None,
    key_password: str | None = None,
    sigstore_instance: str = "production",
    trust_config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Signer:
    """Build the signer; keyless uses `trust_config_path` if given, else the named public instance.

    The keyless identity token is not read here: the signer reads it before every signature.
    """
    env = os.environ if environ is None else environ
    password = key_password if key_password is not None else env.get(PASSWORD_ENV, "")
    if backend is SignerBackend.KEY:
        if key_path is None:
            raise SigningError("key signing needs a key: pass --key or set DOCKGATE_SIGNING_KEY_PATH")
        return KeySigner(load_private_key(key_path, password.encode() or None))
    if backend is SignerBackend.KMS:
        if not key_ref:
            raise SigningError("KMS signing needs a key reference such as filekms:///path/key.pem")
        return KmsSigner(kms_client(key_ref, password=password.encode() or None))
    if backend is SignerBackend.KEYLESS:
        from attestations.signing.keyless import (
            KeylessSigner,
            load_trust_config,
            token_source,
            tuf_root_from_env,
        )

        source = str(trust_config_path) if trust_config_path else sigstore_instance
        if source == "custom":
            raise SigningError("DOCKGATE_SIGSTORE_INSTANCE=custom needs DOCKGATE_SIGSTORE_TRUST_CONFIG")
        trust = load_trust_config(source, tuf_root=tuf_root_from_env(env))
        return KeylessSigner(trust, token_source(env))
    assert_never(backend)


def validate_signer(
    backend: SignerBackend,
    *,
    key_path: Path | None = None,
    key_ref: str | None = None,
    key_password: str | None = None,
    sigstore_instance: str = "production",
    trust_config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    timeout: float = 3.0,
) -> Signer:
    """`to_backend` plus `check_signer`: the ready signer, or ConfigError saying what to fix."""
    try:
        signer = to_backend(
            backend,
            key_path=key_path,
            key_ref=key_ref,
            key_password=key_password,
            sigstore_instance=sigstore_instance,
            trust_config_path=trust_config_path,
            environ=environ,
        )
    except SigningError as exc:
        raise ConfigError(f"signer configuration: {_line(exc.diagnostics())}") from exc
    check_signer(signer, timeout=timeout)
    return signer


def check_signer(signer: Signer, *, timeout: float = 3.0) -> None:
    """Prove `signer` can sign now, without signing anything that is kept; ConfigError if not."""
    if isinstance(signer, KmsSigner):
        _check_key(signer)
        return
    from attestations.signing.keyless import KeylessSigner

    if isinstance(signer, KeylessSigner):
        _check_keyless(signer, timeout)


def _check_key(signer: KmsSigner) -> None:
    try:
        signature = signer.sign_blob(PROBE).signature
        signer.public_key.verify(signature, PROBE, ec.ECDSA(hashes.SHA256()))
    except SigningError as exc:
        raise ConfigError(f"signer {signer.description} cannot sign: {_line(exc.diagnostics())}") from exc
    except (InvalidSignature, ValueError) as exc:
        raise ConfigError(
            f"signer {signer.description} returned a signature its public key does not verify "
            "(the KMS plug-in must return a DER ECDSA signature over the SHA-256 digest)"
        ) from exc


def _check_keyless(signer: KeylessSigner, timeout: float) -> None:
    from sigstore.errors import Error as SigstoreError

    try:
        token = signer.current_token()
    except SigningError as exc:
        raise ConfigError(f"keyless signing: {_line(exc.diagnostics())}") from exc
    if not token.in_validity_period():
        raise ConfigError("keyless signing: the OIDC identity token has expired: refresh the token source")
    try:
        config = signer.trust.signing_config
        tlogs = [str(getattr(t, "url", "")) for t in config.get_tlogs()]
        services = [("Fulcio", config.get_fulcio().url), *(("Rekor", url) for url in tlogs if url)]
    except (SigstoreError, ValueError) as exc:
        raise ConfigError(f"keyless signing: invalid Sigstore signing config: {_line(str(exc))}") from exc
    for name, url in services:
        _reachable(name, url, timeout)


def _reachable(name: str, url: str, timeout: float) -> None:
    """Any HTTP answer counts: only a connection failure or a timeout means the service is unusable."""
    try:
        requests.get(url, timeout=timeout, allow_redirects=False).close()
    except requests.RequestException as exc:
        raise ConfigError(
            f"keyless signing: {name} at {url} is unreachable ({exc.__class__.__name__}): "
            "check the network, or the signing config (DOCKGATE_SIGSTORE_TRUST_CONFIG / INSTANCE)"
        ) from exc


def _line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
