"""Keyless settings: where the identity token and the trust configuration come from, and their errors."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jwt
import pytest

from attestations.signing.backends import SignerBackend, to_backend
from attestations.signing.base import SigningError
from attestations.signing.keyless import load_identity_token, load_trust_config, load_trusted_root

DATA = Path(__file__).parent / "data"


def _token(sub: str) -> str:
    now = int(time.time())
    claims = {"iss": "https://issuer.test", "sub": sub, "aud": "sigstore", "iat": now, "exp": now + 60}
    return jwt.encode(claims, "unit-test-secret-unit-test-secret", algorithm="HS256")


def test_token_file_wins_over_env(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text(_token("from-file") + "\n")
    env = {"DOCKGATE_SIGSTORE_IDENTITY_TOKEN_PATH": str(path), "SIGSTORE_IDENTITY_TOKEN": _token("from-env")}
    assert load_identity_token(env).identity == "from-file"
    assert load_identity_token({"SIGSTORE_IDENTITY_TOKEN": _token("from-env")}).identity == "from-env"


def test_token_errors(tmp_path: Path) -> None:
    with pytest.raises(SigningError, match="cannot read DOCKGATE_SIGSTORE_IDENTITY_TOKEN_PATH"):
        load_identity_token({"DOCKGATE_SIGSTORE_IDENTITY_TOKEN_PATH": str(tmp_path / "missing")})
    with pytest.raises(SigningError, match="unusable"):
        load_identity_token({"SIGSTORE_IDENTITY_TOKEN": "not-a-jwt"})


def test_trust_config_errors(tmp_path: Path) -> None:
    with pytest.raises(SigningError, match="cannot read Sigstore trust config"):
        load_trust_config(str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"mediaType": "nonsense"}))
    with pytest.raises(SigningError, match="invalid Sigstore trust config"):
        load_trust_config(str(bad))


def test_trusted_root_from_file() -> None:
    root = load_trusted_root(str(DATA / "trusted_root.production.json"))
    assert len(root.get_fulcio_certs()) >= 1


def test_backend_errors() -> None:
    with pytest.raises(SigningError, match="needs a key"):
        to_backend(SignerBackend.KEY)
    with pytest.raises(SigningError, match="custom needs DOCKGATE_SIGSTORE_TRUST_CONFIG"):
        to_backend(SignerBackend.KEYLESS, sigstore_instance="custom", environ={})
