"""Keyless signing against the local Sigstore instance: the identity token file is read again on every
signature (a rotated projected token changes the certificate identity), and start-up validation passes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sigstore.models import Bundle, TrustedRoot

from attestations.bundle_check import verify_blob_bundle
from attestations.policy import VerificationPolicy
from attestations.signing.backends import SignerBackend, validate_signer
from attestations.signing.keyless import TOKEN_FILE_ENV, KeylessSigner

from .conftest import ISSUER, LocalSigstore, identity_token

pytestmark = pytest.mark.slow
FIRST = "https://github.com/apps/dockgate-first"
SECOND = "https://github.com/apps/dockgate-second"


def _san(bundle_json: bytes) -> str:
    from cryptography import x509

    cert = Bundle.from_json(bundle_json).signing_certificate
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    names = [
        *san.get_values_for_type(x509.UniformResourceIdentifier),
        *san.get_values_for_type(x509.RFC822Name),
    ]
    return str(names[0])


def test_rotated_token_file_is_used_for_the_next_signature(
    local_sigstore: LocalSigstore, tmp_path: Path
) -> None:
    token = tmp_path / "token"
    token.write_text(identity_token(FIRST))
    env = {TOKEN_FILE_ENV: str(token)}
    signer = validate_signer(
        SignerBackend.KEYLESS, trust_config_path=local_sigstore.trust_config, environ=env
    )
    assert isinstance(signer, KeylessSigner)
    first = signer.sign_blob(b"artifact one")
    assert _san(first.bundle_json) == FIRST
    token.write_text(identity_token(SECOND))  # kubelet replaced the projected token
    second = signer.sign_blob(b"artifact two")
    assert _san(second.bundle_json) == SECOND
    root = TrustedRoot.from_file(str(local_sigstore.trusted_root_json))
    policy = VerificationPolicy(identity=SECOND, issuer=ISSUER, trusted_root=root)
    assert verify_blob_bundle(second.bundle_json, b"artifact two", policy) == f"certificate {SECOND}"
