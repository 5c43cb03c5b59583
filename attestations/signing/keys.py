"""ECDSA P-256 signing keys: generation, encrypted PKCS#8 PEM files, public keys and cosign key hints."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from attestations.signing.base import SigningError

PASSWORD_ENV = "DOCKGATE_SIGNING_KEY_PASSWORD"  # noqa: S105 - the variable name, not a value


def generate_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def private_key_pem(key: ec.EllipticCurvePrivateKey, password: bytes) -> bytes:
    """PKCS#8 PEM encrypted with the best available scheme (a non-empty password is required)."""
    if not password:
        raise SigningError(f"refusing to write an unencrypted private key: set {PASSWORD_ENV}")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    )


def public_key_pem(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_hint(key: ec.EllipticCurvePublicKey) -> str:
    """base64(sha256(DER SubjectPublicKeyInfo)): cosign's `publicKey.hint` convention."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def write_keypair(prefix: Path, password: bytes) -> tuple[Path, Path]:
    """Write PREFIX.key (0600, encrypted) and PREFIX.pub; refuse to overwrite either."""
    key_path, pub_path = Path(f"{prefix}.key"), Path(f"{prefix}.pub")
    for path in (key_path, pub_path):
        if path.exists():
            raise SigningError(f"{path} already exists: choose another prefix or remove it")
    key = generate_key()
    pem = private_key_pem(key, password)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    pub_path.write_bytes(public_key_pem(key.public_key()))
    return key_path, pub_path


def load_private_key(path: Path, password: bytes | None) -> ec.EllipticCurvePrivateKey:
    """Load an encrypted (or unencrypted) PEM private key; only ECDSA P-256 is accepted."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read signing key {path}: {exc.strerror}") from exc
    try:
        key = serialization.load_pem_private_key(data, password or None)
    except TypeError as exc:
        raise SigningError(f"signing key {path} is encrypted: set {PASSWORD_ENV}") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise SigningError(
            f"cannot decrypt signing key {path}: wrong {PASSWORD_ENV} or not a PEM key"
        ) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise SigningError(f"signing key {path} is not ECDSA P-256")
    return key


def load_public_key(path: Path) -> ec.EllipticCurvePublicKey:
    """Load a PEM public key (PREFIX.pub); only ECDSA P-256 is accepted."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError, UnsupportedAlgorithm) as exc:
        raise SigningError(f"cannot read public key {path}: expected a PEM ECDSA P-256 key") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise SigningError(f"public key {path} is not ECDSA P-256")
    return key


def password_from_env(environ: dict[str, str] | None = None) -> bytes:
    return (environ if environ is not None else dict(os.environ)).get(PASSWORD_ENV, "").encode()
