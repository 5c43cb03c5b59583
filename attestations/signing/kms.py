"""KMS signing keys: the `KmsClient` interface cloud KMS plug-ins implement, and the built-in file client.

A KMS key is named by a reference `<scheme>://<key>`, spelled as cosign spells them (`awskms://`,
`gcpkms://`, `azurekms://`, `hashivault://`). dockgate ships one client, `filekms://<absolute path>`:
a PEM private key on disk behind the same interface (tests, single-host installations). Any other
scheme comes from a plug-in: an installed package declaring an entry point in the group
`dockgate.kms` whose name is the scheme and whose object is a factory `(reference) -> KmsClient`.

Only ECDSA P-256 with SHA-256 is supported, which is what cosign's key bundles and policy-controller's
key authorities use.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol, TypeAlias

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from attestations.signing.base import SigningError
from attestations.signing.keys import PASSWORD_ENV, load_private_key

ENTRY_POINT_GROUP = "dockgate.kms"
FILE_SCHEME = "filekms"


class KmsClient(Protocol):
    """One asymmetric ECDSA P-256 signing key held by a key management service.

    The private key never leaves the service: dockgate hashes what it signs (SHA-256) and asks the
    service to sign the 32-byte digest (AWS `Sign` with `MessageType=DIGEST`, GCP
    `asymmetricSign` with `digest.sha256`, Azure `sign` with `ES256`, Vault `transit/sign` with
    `prehashed=true`).
    """

    @property
    def reference(self) -> str:
        """The key reference it was built from, e.g. `awskms:///alias/dockgate` (for logs, no secrets)."""
        ...

    def public_key(self) -> ec.EllipticCurvePublicKey:
        """The key's public half (the services return it as PEM or DER SubjectPublicKeyInfo)."""
        ...

    def sign_digest(self, digest: bytes) -> bytes:
        """An ASN.1 DER ECDSA signature over `digest`, the SHA-256 of the message.

        Raise `SigningError` with one actionable line when the service refuses or is unreachable.
        """
        ...


KmsFactory: TypeAlias = Callable[[str], KmsClient]


class PrivateKeyClient:
    """A private key in this process, presented as a KmsClient (what `KeySigner` and `filekms://` use)."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, reference: str = "local key") -> None:
        self._key = key
        self._reference = reference

    @property
    def reference(self) -> str:
        return self._reference

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._key.public_key()

    def sign_digest(self, digest: bytes) -> bytes:
        return self._key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))


def file_client(reference: str, password: bytes | None = None) -> PrivateKeyClient:
    """`filekms:///abs/path/key.pem` (password from DOCKGATE_SIGNING_KEY_PASSWORD for an encrypted key)."""
    path = reference.partition("://")[2]
    if not path.startswith("/"):
        raise SigningError(
            f"{reference}: a filekms reference needs an absolute path (filekms:///path/key.pem)"
        )
    return PrivateKeyClient(load_private_key(Path(path), password), reference)


def is_kms_reference(key: str) -> bool:
    """True for `<scheme>://...` (a KMS key), False for a key file path."""
    scheme, sep, _ = key.partition("://")
    return bool(sep) and scheme.isidentifier()


def _plugin(scheme: str) -> KmsFactory | None:
    for entry in entry_points(group=ENTRY_POINT_GROUP, name=scheme):
        factory: KmsFactory = entry.load()
        return factory
    return None


def kms_client(reference: str, *, password: bytes | None = None) -> KmsClient:
    """The KmsClient for `reference`; `password` is used only by `filekms://` (an encrypted PEM key)."""
    if not is_kms_reference(reference):
        raise SigningError(f"{reference!r} is not a KMS key reference (expected scheme://key)")
    scheme = reference.partition("://")[0]
    if scheme == FILE_SCHEME:
        return file_client(reference, password)
    factory = _plugin(scheme)
    if factory is None:
        raise SigningError(
            f"no plug-in for {scheme}://; install a package that provides the `{ENTRY_POINT_GROUP}` "
            f"entry point `{scheme}` (built in: {FILE_SCHEME}://, or use a PEM key file)"
        )
    return factory(reference)


__all__ = [
    "ENTRY_POINT_GROUP",
    "FILE_SCHEME",
    "PASSWORD_ENV",
    "KmsClient",
    "KmsFactory",
    "PrivateKeyClient",
    "file_client",
    "is_kms_reference",
    "kms_client",
]
