"""Start-up validation of the signer configuration, and the keyless token re-read on every signature."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from attestations.errors import ConfigError
from attestations.signing import keyless
from attestations.signing.backends import SignerBackend, check_signer, to_backend, validate_signer
from attestations.signing.key_signer import KmsSigner
from attestations.signing.keyless import TOKEN_FILE_ENV, KeylessSigner
from attestations.signing.keys import generate_key, write_keypair

DATA = Path(__file__).parent / "data"
PASSWORD = "validate-password"  # noqa: S105 - a test fixture


def _token(sub: str, *, lifetime: int = 600) -> str:
    now = int(time.time())
    claims = {"iss": "https://issuer.test", "sub": sub, "email": sub, "aud": "sigstore"}
    claims |= {"iat": now - 5, "nbf": now - 5, "exp": now + lifetime}
    return jwt.encode(claims, "unit-test-secret-unit-test-secret", algorithm="HS256")


def _service(url: str) -> dict[str, Any]:
    return {
        "url": url,
        "majorApiVersion": 1,
        "validFor": {"start": "2020-01-01T00:00:00Z"},
        "operator": "dockgate.test",
    }


def trust_config(tmp_path: Path, base_url: str) -> Path:
    """A ClientTrustConfig: the public-good trusted root, with Fulcio and Rekor at `base_url`."""
    signing = {
        "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
        "caUrls": [_service(base_url)],
        "oidcUrls": [],
        "rekorTlogUrls": [_service(base_url)],
        "tsaUrls": [],
        "rekorTlogConfig": {"selector": "ANY"},
        "tsaConfig": {"selector": "ANY"},
    }
    doc = {
        "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
        "trustedRoot": json.loads((DATA / "trusted_root.production.json").read_text()),
        "signingConfig": signing,
    }
    path = tmp_path / "trust_config.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture
def http_base() -> Iterator[str]:
    """A local HTTP server that answers 404 to everything (reachable, like a Fulcio base URL)."""

    class NotFound(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_key_file_problems_are_config_errors(tmp_path: Path) -> None:
    key_path, _ = write_keypair(tmp_path / "k", PASSWORD.encode())
    signer = validate_signer(SignerBackend.KEY, key_path=key_path, key_password=PASSWORD, environ={})
    assert isinstance(signer, KmsSigner)
    with pytest.raises(ConfigError, match="signer configuration: cannot decrypt signing key") as info:
        validate_signer(SignerBackend.KEY, key_path=key_path, key_password="wrong", environ={})
    assert "\n" not in info.value.diagnostics()
    with pytest.raises(ConfigError, match="cannot read signing key .*missing.key"):
        validate_signer(SignerBackend.KEY, key_path=tmp_path / "missing.key", environ={})
    with pytest.raises(ConfigError, match="no plug-in for awskms://"):
        validate_signer(SignerBackend.KMS, key_ref="awskms:///alias/x", environ={})
    kms = validate_signer(SignerBackend.KMS, key_ref=f"filekms://{key_path}", key_password=PASSWORD)
    assert isinstance(kms, KmsSigner)


class _BrokenKms:
    """A plug-in that returns something that is not a signature by its key."""

    reference = "brokenkms://k"

    def __init__(self) -> None:
        self._key = generate_key()

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._key.public_key()

    def sign_digest(self, digest: bytes) -> bytes:
        return digest


def test_kms_that_cannot_sign_is_refused() -> None:
    with pytest.raises(ConfigError, match="signature its public key does not verify"):
        check_signer(KmsSigner(_BrokenKms()))


def test_keyless_trust_config_and_token_problems(tmp_path: Path, http_base: str) -> None:
    with pytest.raises(ConfigError, match="cannot read Sigstore trust config"):
        validate_signer(SignerBackend.KEYLESS, trust_config_path=tmp_path / "none.json", environ={})
    trust = trust_config(tmp_path, http_base)
    token = tmp_path / "token"
    env = {TOKEN_FILE_ENV: str(token)}
    with pytest.raises(ConfigError, match=f"cannot read {TOKEN_FILE_ENV}"):
        validate_signer(SignerBackend.KEYLESS, trust_config_path=trust, environ=env)
    token.write_text(_token("ci@dockgate.test", lifetime=-60))
    with pytest.raises(ConfigError, match="OIDC identity token is unusable"):
        validate_signer(SignerBackend.KEYLESS, trust_config_path=trust, environ=env)
    token.write_text(_token("ci@dockgate.test"))
    signer = validate_signer(SignerBackend.KEYLESS, trust_config_path=trust, environ=env)
    assert isinstance(signer, KeylessSigner)


def test_unreachable_fulcio_is_a_config_error(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{_closed_port()}"
    token = tmp_path / "token"
    token.write_text(_token("ci@dockgate.test"))
    env = {TOKEN_FILE_ENV: str(token)}
    trust = trust_config(tmp_path, base)
    with pytest.raises(ConfigError, match=f"Fulcio at {base} is unreachable") as info:
        validate_signer(SignerBackend.KEYLESS, trust_config_path=trust, environ=env, timeout=1.0)
    assert "\n" not in info.value.diagnostics()


class _FakeSigstoreSigner:
    """Stands in for sigstore.sign.Signer: records the token each new signer (certificate) was made with."""

    made: list[str] = []
    expire_next = False

    def __init__(self, token: Any, context: Any, cache: bool = True) -> None:
        _FakeSigstoreSigner.made.append(token.identity)

    def sign_artifact(self, data: bytes) -> Any:
        if _FakeSigstoreSigner.expire_next:
            _FakeSigstoreSigner.expire_next = False
            raise keyless.ExpiredCertificate
        return _FakeBundle()

    def sign_dsse(self, statement: Any) -> Any:
        return _FakeBundle()


class _FakeBundle:
    signature = b"sig"
    _dsse_envelope = None

    def to_json(self) -> str:
        return "{}"


def test_keyless_token_file_is_read_on_every_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyless, "SigstoreSigner", _FakeSigstoreSigner)
    _FakeSigstoreSigner.made = []
    token = tmp_path / "token"
    token.write_text(_token("a@dockgate.test"))
    trust = trust_config(tmp_path, "http://127.0.0.1:9")
    signer = to_backend(SignerBackend.KEYLESS, trust_config_path=trust, environ={TOKEN_FILE_ENV: str(token)})
    assert isinstance(signer, KeylessSigner)
    assert signer.current_token().identity == "a@dockgate.test"
    signer.sign_blob(b"one")
    signer.sign_blob(b"two")  # same token: the certificate is reused
    assert _FakeSigstoreSigner.made == ["a@dockgate.test"]
    token.write_text(_token("b@dockgate.test"))  # the projected token was rotated
    assert signer.current_token().identity == "b@dockgate.test"
    signer.sign_blob(b"three")
    assert _FakeSigstoreSigner.made == ["a@dockgate.test", "b@dockgate.test"]
    assert signer.description == "b@dockgate.test (https://issuer.test)"
    _FakeSigstoreSigner.expire_next = True  # the reused certificate ran out: a new one is requested
    signer.sign_blob(b"four")
    assert _FakeSigstoreSigner.made == ["a@dockgate.test", "b@dockgate.test", "b@dockgate.test"]
