"""Registry fixtures for the attestation tests: the staging (no auth) and prod (basic auth) registries."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from attestations.oci import Credentials, RegistryClient, canonical_json, digest_of, load_credentials
from attestations.oci.mediatypes import OCI_CONFIG, OCI_MANIFEST


@dataclass(frozen=True)
class PushedImage:
    registry: str
    repository: str
    tag: str
    digest: str
    size: int

    @property
    def ref(self) -> str:
        return f"{self.registry}/{self.repository}@{self.digest}"


def _registry_up(client: RegistryClient) -> None:
    try:
        client.list_tags("dockgate-probe/none")
    except Exception as exc:  # noqa: BLE001 - any failure means the service is not there
        if "not found" in str(exc):
            return
        pytest.fail(f"registry {client.registry} not usable ({exc}); run scripts/services up")


@pytest.fixture(scope="session")
def staging_client() -> Iterator[RegistryClient]:
    client = RegistryClient(os.environ.get("DOCKGATE_STAGING_REGISTRY", "127.0.0.1:5001"))
    _registry_up(client)
    yield client
    client.close()


@pytest.fixture(scope="session")
def prod_creds() -> Credentials:
    path = Path(
        os.environ.get("DOCKGATE_REGISTRY_CREDENTIALS", "/work/main/.state/registry-credentials.json")
    )
    registry = os.environ.get("DOCKGATE_PROD_REGISTRY", "127.0.0.1:5002")
    return load_credentials(path)[registry]


@pytest.fixture(scope="session")
def prod_client(prod_creds: Credentials) -> Iterator[RegistryClient]:
    client = RegistryClient(
        os.environ.get("DOCKGATE_PROD_REGISTRY", "127.0.0.1:5002"), credentials=prod_creds
    )
    _registry_up(client)
    yield client
    client.close()


def push_tiny_image(client: RegistryClient, repository: str, tag: str, content: bytes) -> PushedImage:
    """A one-layer OCI image whose content makes its digest unique."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    layer = gzip.compress(raw.getvalue(), mtime=0)
    config = canonical_json(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": [digest_of(raw.getvalue())]},
        }
    )
    client.put_blob(repository, layer)
    client.put_blob(repository, config)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": digest_of(config), "size": len(config)},
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": digest_of(layer),
                    "size": len(layer),
                }
            ],
        }
    ).encode()
    digest = client.put_manifest(repository, tag, manifest, OCI_MANIFEST)
    return PushedImage(client.registry, repository, tag, digest, len(manifest))


@pytest.fixture
def staging_image(staging_client: RegistryClient) -> PushedImage:
    name = uuid.uuid4().hex[:12]
    return push_tiny_image(staging_client, f"dockgate-test/att-{name}", "v1", name.encode())


# -- local Sigstore instance (tests/sigstore_local/server.js) -------------------------------------------
ISSUER = "https://oidc.dockgate.test"
IDENTITY = "https://github.com/apps/dockgate-test"


@dataclass(frozen=True)
class LocalSigstore:
    url: str
    trust_config: Path

    @property
    def trusted_root_json(self) -> Path:
        path = self.trust_config.with_name("trusted_root.json")
        if not path.exists():
            path.write_text(json.dumps(json.loads(self.trust_config.read_text())["trustedRoot"]))
        return path


@pytest.fixture(scope="session")
def local_sigstore(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSigstore]:
    from .peers import LOCAL, node_env

    env = {**node_env(), "MOCK_TSA": "1"}
    trust = tmp_path_factory.mktemp("sigstore") / "trust_config.json"
    proc = subprocess.Popen(
        ["node", str(LOCAL / "server.js"), "0", str(trust)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("listening "):
        proc.kill()
        pytest.fail(f"local Sigstore instance did not start: {line!r}")
    url = line.split()[1].rstrip(";")
    yield LocalSigstore(url, trust)
    proc.terminate()
    proc.wait(timeout=10)


def identity_token(identity: str = IDENTITY, issuer: str = ISSUER) -> str:
    """An OIDC-shaped JWT (the mock does not check signatures; Fulcio would)."""
    import time

    import jwt

    now = int(time.time())
    claims = {
        "iss": issuer,
        "sub": identity,
        "email": identity,
        "aud": "sigstore",
        "iat": now,
        "exp": now + 600,
    }
    return jwt.encode(claims, "not-a-real-issuer-key-but-long-enough-for-hs256", algorithm="HS256")


@pytest.fixture(scope="session")
def keyless_signer(local_sigstore: LocalSigstore) -> Any:
    from sigstore.oidc import IdentityToken

    from attestations.signing.keyless import KeylessSigner, load_trust_config

    return KeylessSigner(load_trust_config(str(local_sigstore.trust_config)), IdentityToken(identity_token()))
