"""Fixtures for the pipeline's integration tests: a real vulnerability DB, a signing key, examples."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.webhooks.conftest import (  # noqa: F401 - fixtures shared with the webhook tests
    dockgate,
    emulated_repo,
    github_app_key,
    github_emulator,
    github_settings,
    redis_db,
)

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared"
EXAMPLES = ROOT / "examples"
DOCKGATE = str(Path(sys.executable).parent / "dockgate")


@pytest.fixture(scope="session")
def vulndb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real OSV records of ../shared/vulndb imported into a fresh database."""
    path = tmp_path_factory.mktemp("vulndb") / "vulndb.sqlite"
    subprocess.run(
        [DOCKGATE, "vulndb", "import", str(SHARED / "vulndb"), "--db", str(path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return path


@pytest.fixture(scope="session")
def config_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An XDG config home where `dockgate run` makes its local signing key on first use."""
    return tmp_path_factory.mktemp("xdg")


@pytest.fixture(scope="session")
def run_env(service_env: dict[str, str], config_home: Path, vulndb: Path) -> dict[str, str]:
    env = {**os.environ, **service_env, "XDG_CONFIG_HOME": str(config_home), "DOCKGATE_VULNDB": str(vulndb)}
    env["DOCKGATE_DATABASE_URL"] = f"sqlite:///{config_home / 'index.db'}"
    return env


def run_cli(*args: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DOCKGATE, *args], env=env, capture_output=True, text=True, timeout=timeout)
