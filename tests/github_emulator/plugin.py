"""pytest plugin: a strict GitHub emulator, an App key, and emulated repositories.

Enable with `pytest_plugins = ["tests.github_emulator.plugin"]` (in `tests/conftest.py`).

    def test_x(github_emulator, emulated_repo, github_settings):
        bare, sha = emulated_repo("octo/app", {"Dockerfile": "FROM scratch\n"})
        github_emulator.clone_url("octo/app")   # http://127.0.0.1:PORT/octo/app.git (basic auth
                                                # x-access-token:<installation token>, as GitHub)
        settings = github_settings(redis_url)   # Settings pointing dockgate at the emulator

Every request the client sends is validated against the OpenAPI subset; the `github_emulator`
fixture fails the test at teardown if any request or response broke the schema, unless the test
sets `github_emulator.allow_contract_errors = True` (for deliberately invalid requests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.github_emulator import gitrepo
from tests.github_emulator.server import Emulator
from workers.settings import Settings

APP_ID = 4242
WEBHOOK_SECRET = "emulated webhook secret: It's a Secret to Everybody"


@pytest.fixture(scope="session")
def github_app_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(path of the App's private key PEM, public key PEM); 2048-bit RSA, made once per session."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("github-app") / "app.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    path.chmod(0o600)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return path, public.decode()


@pytest.fixture
def github_emulator(github_app_key: tuple[Path, str]) -> Iterator[Emulator]:
    """A started emulator (github.com URL form) with installation 1; checked for contract errors."""
    emulator = Emulator(
        app_id=APP_ID,
        app_public_key_pem=github_app_key[1],
        installations={1},
        webhook_secret=WEBHOOK_SECRET.encode(),
    )
    emulator.allow_contract_errors = False  # type: ignore[attr-defined]
    emulator.start()
    yield emulator
    emulator.stop()
    errors = emulator.contract_errors()
    if errors and not emulator.allow_contract_errors:  # type: ignore[attr-defined]
        pytest.fail(f"requests/responses outside GitHub's schema: {errors}", pytrace=False)


@pytest.fixture
def emulated_repo(github_emulator: Emulator, tmp_path: Path) -> Callable[..., tuple[Path, str]]:
    """`emulated_repo(full_name, files, installation_id=1, aliases=None)` → (bare path, commit sha).

    `aliases` maps commit shas named in webhook payloads to revisions of the repository ("HEAD").
    """

    def make(
        full_name: str,
        files: dict[str, str | bytes],
        *,
        installation_id: int = 1,
        aliases: dict[str, str] | None = None,
    ) -> tuple[Path, str]:
        bare, sha = gitrepo.make_repo(tmp_path / "git" / f"{full_name.replace('/', '__')}.git", files)
        github_emulator.attach_repo(full_name, bare, installation_id=installation_id, aliases=aliases)
        return bare, sha

    return make


@pytest.fixture
def github_settings(github_emulator: Emulator, github_app_key: tuple[Path, str]) -> Callable[..., Settings]:
    """`github_settings(redis_url, **overrides)`: Settings aimed at the emulator (no write throttle)."""

    def make(redis_url: str, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "github_app_id": APP_ID,
            "github_app_private_key_path": github_app_key[0],
            "github_webhook_secret": WEBHOOK_SECRET,
            "github_api_url": github_emulator.base_url,
            "redis_url": redis_url,
            "github_write_interval": 0.0,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment variables that make `Settings.from_env()` equal `settings` (for workers)."""
    from workers.settings import ENV_NAMES

    env = {}
    for name, var in ENV_NAMES.items():
        value = getattr(settings, name)
        if isinstance(value, tuple):
            if value:
                env[var] = ",".join(value)
        elif value is not None:
            env[var] = str(value)
    return env
