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
