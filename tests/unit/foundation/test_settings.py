from pathlib import Path

import pytest

from attestations.errors import ConfigError
from workers.settings import Settings


def test_defaults_when_environment_is_empty() -> None:
    settings = Settings.from_env({})
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.github_api_url == "https://api.github.com"
    assert settings.port == 8080


def test_reads_every_documented_variable(tmp_path: Path) -> None:
    key = tmp_path / "app.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\n")
    settings = Settings.from_env(
        {
            "GITHUB_APP_ID": "1234",
            "GITHUB_APP_PRIVATE_KEY_PATH": str(key),
            "GITHUB_WEBHOOK_SECRET": "s3cret",
            "GITHUB_API_URL": "https://ghe.example.com/api/v3/",
            "REDIS_URL": "redis://127.0.0.1:6380/2",
            "DOCKGATE_STAGING_REGISTRY": "127.0.0.1:5001",
            "DOCKGATE_PROD_REGISTRY": "127.0.0.1:5002/prod",
            "DOCKGATE_PORT": "9000",
        }
    )
    assert settings.github_app_id == 1234
    assert settings.github_app_private_key_path == key
    assert settings.github_api_url == "https://ghe.example.com/api/v3"
    assert settings.prod_registry == "127.0.0.1:5002/prod"
    assert settings.port == 9000


def test_every_malformed_variable_is_named_in_one_error() -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env(
            {
                "GITHUB_APP_ID": "abc",
                "DOCKGATE_PORT": "70000",
                "DOCKGATE_STAGING_REGISTRY": "https://127.0.0.1:5001",
                "GITHUB_APP_PRIVATE_KEY_PATH": "/nonexistent/key.pem",
                "DOCKGATE_BUILD_MEMORY_MB": "0",
                "DOCKGATE_LAYER_CACHE_MB": "lots",
                "DOCKGATE_VERIFY_POLICY": "/nonexistent/policy.yml",
            }
        )
    message = info.value.diagnostics()
    for name in (
        "GITHUB_APP_ID",
        "DOCKGATE_PORT",
        "DOCKGATE_STAGING_REGISTRY",
        "GITHUB_APP_PRIVATE_KEY_PATH",
        "DOCKGATE_BUILD_MEMORY_MB",
        "DOCKGATE_LAYER_CACHE_MB",
        "DOCKGATE_VERIFY_POLICY",
    ):
        assert name in message


def test_secrets_stay_out_of_repr() -> None:
    settings = Settings.from_env({"GITHUB_WEBHOOK_SECRET": "hunter2-very-secret"})
    assert "hunter2-very-secret" not in repr(settings)


def test_require_names_missing_variables() -> None:
    with pytest.raises(ConfigError, match="GITHUB_APP_ID, GITHUB_WEBHOOK_SECRET"):
        Settings.from_env({}).require("github_app_id", "github_webhook_secret")


def test_a_kms_key_reference_in_signing_key_path_selects_the_kms_signer(tmp_path: Path) -> None:
    from attestations.signing.key_signer import KeySigner, KmsSigner
    from attestations.signing.keys import write_keypair
    from workers import backends

    key, _ = write_keypair(tmp_path / "kms", b"pw")
    ref = f"filekms://{key}"
    settings = Settings.from_env({"DOCKGATE_SIGNING_KEY_PATH": ref, "DOCKGATE_SIGNING_KEY_PASSWORD": "pw"})
    assert settings.signing_key_ref == ref and settings.signing_key_path is None
    signer = backends.signer_from_settings(settings, validate=True)
    assert isinstance(signer, KmsSigner) and not isinstance(signer, KeySigner)
    with pytest.raises(ConfigError, match="DOCKGATE_SIGNING_KEY_PATH"):
        Settings.from_env({"DOCKGATE_SIGNING_KEY_PATH": str(tmp_path / "missing.key")})
