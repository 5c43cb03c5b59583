"""`dockgate keygen / sign / attest / verify` end to end against the staging registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main

from .conftest import IDENTITY, ISSUER, LocalSigstore, PushedImage, identity_token

pytestmark = pytest.mark.registry
BOM = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": []}


def test_key_flow(
    staging_image: PushedImage,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DOCKGATE_SIGNING_KEY_PASSWORD", "cli-test-password")
    prefix = str(tmp_path / "k")
    assert main(["keygen", prefix]) == 0
    tag_ref = f"{staging_image.registry}/{staging_image.repository}:v1"
    assert main(["sign", tag_ref, "--key", f"{prefix}.key"]) == 0
    predicate = tmp_path / "bom.json"
    predicate.write_text(json.dumps(BOM))
    assert (
        main(
            [
                "attest",
                tag_ref,
                "--key",
                f"{prefix}.key",
                "--predicate",
                str(predicate),
                "--type",
                "cyclonedx",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["verify", tag_ref, "--key", f"{prefix}.pub", "--type", "cyclonedx", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["digest"] == staging_image.digest and len(report["results"]) == 2
    assert main(["verify", tag_ref, "--key", f"{prefix}.pub", "--type", "vuln"]) == 1
    assert "NOT verified: missing https://cosign.sigstore.dev/attestation/vuln/v1" in capsys.readouterr().out
    monkeypatch.setenv("DOCKGATE_SIGNING_KEY_PASSWORD", "wrong")
    assert main(["sign", tag_ref, "--key", f"{prefix}.key"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("dockgate: error: cannot decrypt signing key") and "\n" not in err


def test_keyless_flow(
    staging_image: PushedImage,
    local_sigstore: LocalSigstore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = tmp_path / "token"
    token.write_text(identity_token())
    monkeypatch.setenv("DOCKGATE_SIGSTORE_IDENTITY_TOKEN_PATH", str(token))
    monkeypatch.setenv("DOCKGATE_SIGSTORE_TRUST_CONFIG", str(local_sigstore.trust_config))
    assert main(["sign", staging_image.ref]) == 0
    identity = ["--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER]
    assert main(["verify", staging_image.ref, *identity]) == 0
    assert "verified" in capsys.readouterr().out
    assert (
        main(
            [
                "verify",
                staging_image.ref,
                "--certificate-identity",
                "https://evil",
                "--certificate-oidc-issuer",
                ISSUER,
            ]
        )
        == 1
    )


def test_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["verify", "Not A Ref", "--key", "x.pub"]) == 2
    assert "invalid image reference" in capsys.readouterr().err
    assert main(["verify", "127.0.0.1:5001/x:y"]) == 2
    assert "trusts nobody" in capsys.readouterr().err
    assert (
        main(["attest", "127.0.0.1:5001/x:y", "--predicate", str(tmp_path / "none.json"), "--type", "vuln"])
        == 2
    )
    assert "cannot read predicate" in capsys.readouterr().err


def test_kms_key_and_policy_flags_merge(
    staging_image: PushedImage,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DOCKGATE_SIGNING_KEY_PASSWORD", "cli-kms-password")
    kms_prefix, other_prefix = str(tmp_path / "kms"), str(tmp_path / "other")
    assert main(["keygen", kms_prefix]) == 0
    assert main(["keygen", other_prefix]) == 0
    kms_ref = f"filekms://{kms_prefix}.key"
    assert main(["sign", staging_image.ref, "--key", kms_ref, "--no-legacy"]) == 0
    policy = tmp_path / "policy.yaml"
    policy.write_text("keys: [other.pub]\nrequire: [sign]\n")
    capsys.readouterr()
    # the file trusts only the other key: the --key flag must be added, not ignored
    assert main(["verify", staging_image.ref, "--policy", str(policy)]) == 1
    assert main(["verify", staging_image.ref, "--policy", str(policy), "--key", f"{kms_prefix}.pub"]) == 0
    assert main(["verify", staging_image.ref, "--key", kms_ref, "--format", "json"]) == 0
    capsys.readouterr()
    # --type adds a requirement to the file's `require`
    merged = [
        "verify",
        staging_image.ref,
        "--policy",
        str(policy),
        "--key",
        f"{kms_prefix}.pub",
        "--type",
        "vuln",
    ]
    assert main(merged) == 1
    assert "missing https://cosign.sigstore.dev/attestation/vuln/v1" in capsys.readouterr().out
    assert main(["verify", staging_image.ref, "--policy", str(policy), "--certificate-identity", "x"]) == 2
    assert "go together" in capsys.readouterr().err
    assert main(["sign", staging_image.ref, "--key", "awskms:///alias/dockgate"]) == 2
    assert "no plug-in for awskms://" in capsys.readouterr().err
