"""Auth challenges, credentials files, bearer tokens, retries and digest checks of the OCI client.

The bearer/retry cases use a loopback HTTP server because the local registries only do Basic auth.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from attestations.errors import ConfigError
from attestations.oci import DigestMismatch, RegistryClient, RegistryUnavailable, load_credentials
from attestations.oci.auth import Credentials, parse_challenge
from attestations.oci.stream import VerifyingReader

BLOB = b"hello blob"
BLOB_DIGEST = "sha256:" + hashlib.sha256(BLOB).hexdigest()


def test_parse_challenge() -> None:
    scheme, params = parse_challenge(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"'
    )
    assert scheme == "bearer"
    assert params == {
        "realm": "https://auth.example/token",
        "service": "registry.example",
        "scope": "repository:a/b:pull",
    }
    assert parse_challenge('Basic realm="x"') == ("basic", {"realm": "x"})


def test_load_credentials(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"127.0.0.1:5002": {"username": "u", "password": "s3cret"}}))
    creds = load_credentials(path)
    assert creds["127.0.0.1:5002"] == Credentials("u", "s3cret")
    assert "s3cret" not in repr(creds)
    path.write_text(json.dumps({"h": {"username": "u"}}))
    with pytest.raises(ConfigError, match="needs username and password"):
        load_credentials(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_credentials(tmp_path / "missing.json")


def test_verifying_reader_detects_substitution() -> None:
    ok = io.BufferedReader(VerifyingReader(iter([b"hello ", b"blob"]), BLOB_DIGEST))
    assert ok.read() == BLOB
    bad = io.BufferedReader(VerifyingReader(iter([b"evil"]), BLOB_DIGEST))
    with pytest.raises(DigestMismatch):
        bad.read()


class _Handler(BaseHTTPRequestHandler):
    state: dict[str, Any] = {}

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, code: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        state = self.state
        state.setdefault("log", []).append((self.path, self.headers.get("Authorization")))
        port = self.server.server_address[1]
        if self.path.startswith("/token"):
            ok = self.headers.get("Authorization") == "Basic dTpw"  # u:p
            self._send(200 if ok else 401, json.dumps({"token": "tok123"}).encode())
            return
        if self.headers.get("Authorization") != "Bearer tok123":
            realm = f'Bearer realm="http://127.0.0.1:{port}/token",service="fake"'
            self._send(401, b"{}", {"WWW-Authenticate": realm})
            return
        if self.path.startswith("/v2/flaky/") and state.get("flaky", 0) < 2:
            state["flaky"] = state.get("flaky", 0) + 1
            self._send(503)
            return
        if self.path.startswith("/v2/down/"):
            self._send(503)
            return
        if self.path.startswith("/v2/api/referrers/"):
            entries = [
                {"digest": "sha256:" + "1" * 64, "artifactType": "a/b"},
                {"digest": "sha256:" + "2" * 64},
            ]
            body = json.dumps({"schemaVersion": 2, "manifests": entries}).encode()
            self._send(200, body, {"Content-Type": "application/vnd.oci.image.index.v1+json"})
            return
        if "/blobs/" in self.path:
            body = b"tampered" if "evil" in self.path else BLOB
            self._send(200, body)
            return
        self._send(404, b"{}")

    def do_HEAD(self) -> None:
        if self.headers.get("Authorization") == "Bearer tok123":
            self._send(404)
        else:
            self.do_GET()

    def do_POST(self) -> None:
        self.state.setdefault("log", []).append((self.path, self.headers.get("Authorization")))
        if self.headers.get("Authorization") != "Bearer tok123":
            self.do_GET()
            return
        port = self.server.server_address[1]
        self._send(202, b"", {"Location": f"http://localhost:{port}/elsewhere/upload?state=x"})

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        self.state.setdefault("log", []).append((self.path, self.headers.get("Authorization")))
        self._send(201)


@pytest.fixture
def fake_registry() -> Iterator[tuple[str, dict[str, Any]]]:
    _Handler.state = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}", _Handler.state
    server.shutdown()
    server.server_close()


def test_bearer_token_flow_and_retries(fake_registry: tuple[str, dict[str, Any]]) -> None:
    address, state = fake_registry
    client = RegistryClient(address, credentials=Credentials("u", "p"))
    assert client.get_blob("flaky", BLOB_DIGEST) == BLOB
    assert state["flaky"] == 2  # two 503s were retried
    token_calls = [p for p, _ in state["log"] if p.startswith("/token")]
    assert len(token_calls) == 1 and "scope=repository%3Aflaky%3Apull" in token_calls[0]
    with pytest.raises(DigestMismatch):
        client.get_blob("evil", BLOB_DIGEST)
    with pytest.raises(RegistryUnavailable, match="503"):
        client.get_blob("down", BLOB_DIGEST)


def test_referrers_api_is_used_when_served(fake_registry: tuple[str, dict[str, Any]]) -> None:
    address, state = fake_registry
    client = RegistryClient(address, credentials=Credentials("u", "p"))
    assert [d["digest"][-1] for d in client.referrers("api", BLOB_DIGEST)] == ["1", "2"]
    assert client.referrers("api", BLOB_DIGEST, "a/b") == [
        {"digest": "sha256:" + "1" * 64, "artifactType": "a/b"}
    ]
    assert client.has_referrers_api("api", BLOB_DIGEST)
    assert not any("sha256-" in path for path, _ in state["log"])  # no tag-schema fallback was read


def test_credentials_never_sent_to_a_foreign_upload_location(
    fake_registry: tuple[str, dict[str, Any]],
) -> None:
    address, state = fake_registry
    client = RegistryClient(address, credentials=Credentials("u", "p"))
    client.put_blob("up", b"data")
    upload = [auth for path, auth in state["log"] if path.startswith("/elsewhere/upload")]
    assert upload == [None]
    assert any(
        auth == "Bearer tok123" for path, auth in state["log"] if path.startswith("/v2/up/blobs/uploads")
    )
