"""`dockgate verify`: --policy FILE merged with --key / --certificate-identity / --type, never ignored."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from app.cli.signing_commands import verification_policy
from attestations.errors import UsageError
from attestations.signing.keys import key_hint, load_public_key, write_keypair
from attestations.statements import CYCLONEDX, IMAGE_SIGNATURE, VULNERABILITY

DATA = Path(__file__).parent / "data"
ROOT = str(DATA / "trusted_root.production.json")
ISSUER = "https://token.actions.githubusercontent.com"


def _args(**given: object) -> argparse.Namespace:
    defaults: dict[str, object] = {
        "key": None,
        "certificate_identity": None,
        "certificate_identity_regexp": None,
        "certificate_oidc_issuer": None,
        "trust_config": ROOT,
        "type": None,
        "policy": None,
    }
    return argparse.Namespace(**(defaults | given))


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    old = write_keypair(tmp_path / "old", b"pw")[1]
    new = write_keypair(tmp_path / "new", b"pw")[1]
    return old, new


def test_policy_file_and_flags_are_merged(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    old, new = keys
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(
        f"keys: [{{path: {old.name}, notAfter: 2030-01-01T00:00:00Z}}]\nrequire: [sign, vuln]\n"
    )
    policy = verification_policy(_args(policy=str(policy_file), key=[str(new)], type=["cyclonedx", "vuln"]))
    assert [key_hint(k) for k in policy.public_keys] == [
        key_hint(load_public_key(old)),
        key_hint(load_public_key(new)),
    ]
    assert key_hint(load_public_key(old)) in policy.key_windows  # the file's windows are kept
    assert policy.required_predicate_types == (IMAGE_SIGNATURE, VULNERABILITY, CYCLONEDX)


def test_identity_flags_add_a_trusted_identity(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(f"keys: [{keys[0].name}]\n")
    args = _args(
        policy=str(policy_file),
        certificate_identity="https://github.com/org/repo/.github/workflows/ci.yml@refs/heads/main",
        certificate_oidc_issuer=ISSUER,
    )
    policy = verification_policy(args)
    assert len(policy.public_keys) == 1 and policy.trusted_root is not None
    (identity,) = policy.identities
    assert identity.identity == args.certificate_identity and identity.issuer == ISSUER


def test_incomplete_identity_flags_are_usage_errors(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(f"keys: [{keys[0].name}]\n")
    with pytest.raises(UsageError, match="go together"):
        verification_policy(_args(policy=str(policy_file), certificate_identity="https://x"))
    with pytest.raises(UsageError, match="go together"):
        verification_policy(_args(policy=str(policy_file), certificate_oidc_issuer=ISSUER))
    with pytest.raises(UsageError, match="not both"):
        verification_policy(
            _args(certificate_identity="a", certificate_identity_regexp="b", certificate_oidc_issuer=ISSUER)
        )


def test_flags_alone_still_work(keys: tuple[Path, Path]) -> None:
    policy = verification_policy(_args(key=[str(keys[1])], type=["cyclonedx"]))
    assert len(policy.public_keys) == 1
    assert policy.required_predicate_types == (IMAGE_SIGNATURE, CYCLONEDX)
