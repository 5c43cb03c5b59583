"""Key and identity rotation: several trusted signers, each with a validity window.

Key-signed bundles carry no trusted time, so a key's window is checked against the verification
time (`VerificationPolicy.at`, now by default); keyless identities are chosen the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sigstore.models import ClientTrustConfig

from attestations.attach import sign_image
from attestations.oci import RegistryClient
from attestations.policy import TrustedIdentity, VerificationPolicy, Window, load_policy_file
from attestations.signing.key_signer import KeySigner
from attestations.signing.keyless import KeylessSigner
from attestations.signing.keys import generate_key, key_hint, public_key_pem
from attestations.storage.legacy import simple_signing_payload, write_legacy_signature
from attestations.verify import verify_image

from .conftest import IDENTITY, ISSUER, LocalSigstore, PushedImage

pytestmark = pytest.mark.registry
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def test_a_retired_key_stops_verifying_and_its_successor_takes_over(
    staging_client: RegistryClient, staging_image: PushedImage
) -> None:
    old, new = generate_key(), generate_key()
    sign_image(staging_image.ref, KeySigner(old), staging_client)  # bundle + legacy .sig
    windows = {
        key_hint(old.public_key()): Window(not_after=NOW + DAY),
        key_hint(new.public_key()): Window(not_before=NOW - DAY),
    }
    both = (old.public_key(), new.public_key())
    before = VerificationPolicy(public_keys=both, key_windows=windows, at=NOW)
    report = verify_image(staging_image.ref, before, staging_client)
    assert report.ok, report.to_dict()

    after = VerificationPolicy(public_keys=both, key_windows=windows, at=NOW + 2 * DAY)
    report = verify_image(staging_image.ref, after, staging_client)
    assert not report.ok
    assert all("expired on 2026-12-01" in r.reason for r in report.results), report.to_dict()

    sign_image(staging_image.ref, KeySigner(new), staging_client)  # re-signed with the new key
    assert verify_image(staging_image.ref, after, staging_client).ok


def test_a_legacy_signature_by_a_retired_key_is_rejected(
    staging_client: RegistryClient, staging_image: PushedImage
) -> None:
    key = generate_key()
    payload = simple_signing_payload(
        f"{staging_image.registry}/{staging_image.repository}", staging_image.digest
    )
    signature = KeySigner(key).sign_blob(payload).signature
    write_legacy_signature(staging_client, staging_image.repository, staging_image.digest, payload, signature)
    window = {key_hint(key.public_key()): Window(not_after=NOW)}
    valid = VerificationPolicy(public_keys=(key.public_key(),), key_windows=window, at=NOW - DAY)
    assert verify_image(staging_image.ref, valid, staging_client).ok
    retired = VerificationPolicy(public_keys=(key.public_key(),), key_windows=window, at=NOW + DAY)
    report = verify_image(staging_image.ref, retired, staging_client)
    assert not report.ok and report.results[0].source.startswith("legacy")
    assert "expired on 2026-11-30" in report.results[0].reason, report.to_dict()


def test_a_key_is_not_trusted_before_its_window(
    staging_client: RegistryClient, staging_image: PushedImage
) -> None:
    key = generate_key()
    sign_image(staging_image.ref, KeySigner(key), staging_client, legacy=False)
    early = VerificationPolicy(
        public_keys=(key.public_key(),),
        key_windows={key_hint(key.public_key()): Window(not_before=NOW + DAY)},
        at=NOW,
    )
    report = verify_image(staging_image.ref, early, staging_client)
    assert not report.ok and "not valid before 2026-12-01" in report.results[0].reason


def test_policy_file_with_windows_drives_verification(
    tmp_path: Path, staging_client: RegistryClient, staging_image: PushedImage
) -> None:
    old, new = generate_key(), generate_key()
    (tmp_path / "old.pub").write_bytes(public_key_pem(old.public_key()))
    (tmp_path / "new.pub").write_bytes(public_key_pem(new.public_key()))
    (tmp_path / "policy.yml").write_text(
        "keys:\n"
        "  - {path: old.pub, notAfter: 2020-01-01T00:00:00Z}\n"
        "  - {path: new.pub, notBefore: 2020-01-01T00:00:00Z}\n"
    )
    policy = load_policy_file(tmp_path / "policy.yml")
    sign_image(staging_image.ref, KeySigner(old), staging_client, legacy=False)
    assert not verify_image(staging_image.ref, policy, staging_client).ok
    sign_image(staging_image.ref, KeySigner(new), staging_client, legacy=False)
    assert verify_image(staging_image.ref, policy, staging_client).ok


@pytest.mark.slow
def test_keyless_identities_rotate_with_windows(
    staging_client: RegistryClient,
    staging_image: PushedImage,
    keyless_signer: KeylessSigner,
    local_sigstore: LocalSigstore,
) -> None:
    sign_image(staging_image.ref, keyless_signer, staging_client)
    root = ClientTrustConfig.from_json(local_sigstore.trust_config.read_text()).trusted_root
    successor = TrustedIdentity(ISSUER, identity="https://github.com/apps/dockgate-next")
    ours = TrustedIdentity(ISSUER, identity=IDENTITY, window=Window(not_after=NOW + DAY))

    def policy(at: datetime) -> VerificationPolicy:
        return VerificationPolicy(identities=(successor, ours), trusted_root=root, at=at)

    report = verify_image(staging_image.ref, policy(NOW), staging_client)
    assert report.ok, report.to_dict()
    assert {r.signer for r in report.results} == {f"certificate {IDENTITY}"}
    retired = verify_image(staging_image.ref, policy(NOW + 2 * DAY), staging_client)
    assert not retired.ok
    only_retired = VerificationPolicy(identities=(ours,), trusted_root=root, at=NOW + 2 * DAY)
    report = verify_image(staging_image.ref, only_retired, staging_client)
    assert not report.ok
    assert any("outside its validity window" in r.reason for r in report.results), report.to_dict()
