"""Choose the signer from configuration (key file, or keyless with a Sigstore instance), in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import assert_never

from attestations.signing.base import Signer, SigningError
from attestations.signing.key_signer import KeySigner
from attestations.signing.keys import PASSWORD_ENV, load_private_key


class SignerBackend(Enum):
    KEY = "key"
    KEYLESS = "keyless"


def to_backend(
    backend: SignerBackend,
    *,
    key_path: Path | None = None,
    key_password: str | None = None,
    sigstore_instance: str = "production",
    trust_config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Signer:
    """Build the signer; keyless uses `trust_config_path` if given, else the named public instance."""
    env = os.environ if environ is None else environ
    if backend is SignerBackend.KEY:
        if key_path is None:
            raise SigningError("key signing needs a key: pass --key or set DOCKGATE_SIGNING_KEY_PATH")
        password = key_password if key_password is not None else env.get(PASSWORD_ENV, "")
        return KeySigner(load_private_key(key_path, password.encode() or None))
    if backend is SignerBackend.KEYLESS:
        from attestations.signing.keyless import (
            KeylessSigner,
            load_identity_token,
            load_trust_config,
            tuf_root_from_env,
        )

        source = str(trust_config_path) if trust_config_path else sigstore_instance
        if source == "custom":
            raise SigningError("DOCKGATE_SIGSTORE_INSTANCE=custom needs DOCKGATE_SIGSTORE_TRUST_CONFIG")
        trust = load_trust_config(source, tuf_root=tuf_root_from_env(env))
        return KeylessSigner(trust, load_identity_token(env))
    assert_never(backend)
