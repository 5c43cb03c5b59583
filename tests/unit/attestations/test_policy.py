"""Policies refuse to trust nobody, and policy files are read strictly."""

from __future__ import annotations

from pathlib import Path

import pytest

from attestations.errors import ConfigError
from attestations.policy import VerificationPolicy, load_policy_file
from attestations.signing.keys import generate_key, public_key_pem
from attestations.statements import CYCLONEDX, IMAGE_SIGNATURE


def test_policy_needs_trust() -> None:
    with pytest.raises(ConfigError, match="trusts nobody"):
        VerificationPolicy()
    with pytest.raises(ConfigError, match="issuer"):
        VerificationPolicy(identity="me")
    with pytest.raises(ConfigError, match="regexp"):
        VerificationPolicy(identity_regexp="(", issuer="i", trusted_root=object())  # type: ignore[arg-type]


def test_policy_file(tmp_path: Path) -> None:
    (tmp_path / "k.pub").write_bytes(public_key_pem(generate_key().public_key()))
    path = tmp_path / "policy.yml"
    path.write_text("keys: [k.pub]\nrequire: [sign, cyclonedx]\n")
    policy = load_policy_file(path)
    assert len(policy.public_keys) == 1
    assert policy.required_predicate_types == (IMAGE_SIGNATURE, CYCLONEDX)
    path.write_text("keys: [k.pub]\nrequires: [sign]\n")
    with pytest.raises(ConfigError, match="unknown keys"):
        load_policy_file(path)


def test_policy_file_windows_and_identities(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from attestations.signing.keys import key_hint

    key = generate_key().public_key()
    (tmp_path / "k.pub").write_bytes(public_key_pem(key))
    path = tmp_path / "policy.yml"
    path.write_text(
        "keys:\n  - {path: k.pub, notBefore: 2026-01-01, notAfter: '2026-12-31T00:00:00+01:00'}\n"
        "identities:\n  - {identityRegexp: 'https://github\\.com/acme/.*', issuer: https://issuer.example}\n"
    )
    policy = load_policy_file(path, trusted_root=lambda: object())  # type: ignore[arg-type,return-value]
    window = policy.key_windows[key_hint(key)]
    assert window.not_before == datetime(2026, 1, 1, tzinfo=UTC)
    assert window.outside(datetime(2027, 1, 1, tzinfo=UTC)) == "expired on 2026-12-31T00:00:00+01:00"
    assert window.outside(datetime(2025, 6, 1, tzinfo=UTC)) == "not valid before 2026-01-01T00:00:00+00:00"
    assert window.outside(datetime(2026, 6, 1, tzinfo=UTC)) is None
    assert policy.keyless and policy.identities[0].identity_regexp == "https://github\\.com/acme/.*"
    for body, error in [
        ("keys: [{path: k.pub, notAfter: '2026-12-31T00:00:00'}]\n", "needs a timezone"),
        ("keys: [{path: k.pub, notAfter: 'soon'}]\n", "not an RFC 3339 time"),
        ("keys: [{path: k.pub, notBefore: 2026-12-31, notAfter: 2026-01-01}]\n", "before it starts"),
        ("keys: [{path: k.pub, until: 2026-01-01}]\n", "unknown keys"),
        ("identities: [{identity: a, identityRegexp: b, issuer: i}]\n", "exactly one of"),
        ("identities: [{identity: a}]\n", "needs an issuer"),
    ]:
        path.write_text(body)
        with pytest.raises(ConfigError, match=error):
            load_policy_file(path, trusted_root=lambda: object())  # type: ignore[arg-type,return-value]
