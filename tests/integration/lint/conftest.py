"""Small real images (busybox base, network none) each built to break one DG2xx rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from workers.build import build_image
from workers.repoconfig import ImageSpec


@pytest.fixture(scope="session")
def pki() -> dict[bytes, bytes]:
    """Placeholders -> a fresh EC private key (PEM) and a self-signed certificate for it (PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dockgate-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {b"@PEM": pem, b"@CERT": cert.public_bytes(serialization.Encoding.PEM)}


@pytest.fixture(scope="session")
def build_case(
    docker_client: Any,
    base_images: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    pki: dict[bytes, bytes],
) -> Callable[[str, str, dict[str, bytes]], tuple[str, Path]]:
    """Build `dockerfile` with `files` (b"@PEM"/b"@CERT" are made here) in its context.

    Returns (image id, Dockerfile path)."""

    def build(name: str, dockerfile: str, files: dict[str, bytes]) -> tuple[str, Path]:
        root = tmp_path_factory.mktemp(name)
        (root / "Dockerfile").write_text(dockerfile)
        for rel, data in files.items():
            (root / rel).write_bytes(pki.get(data, data))
        result = build_image(
            ImageSpec(name=name), root, client=docker_client, tag=f"dockgate-test/lint-{name}:it"
        )
        assert result.ok, result.log_tail()
        assert result.image_id is not None
        return result.image_id, root / "Dockerfile"

    return build
