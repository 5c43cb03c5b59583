"""Session fixtures for the real services started by `scripts/services up`.

A missing service fails the test with a clear message when CI is set (CI must never go green by
skipping), and skips it on a developer machine that has not started the services.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
STATE = Path(os.environ.get("DOCKGATE_STATE_DIR", ROOT / ".state"))


def _service_env() -> dict[str, str]:
    """The export lines of `scripts/services env`, overridden by the caller's environment."""
    try:
        out = subprocess.run(
            [str(ROOT / "scripts" / "services"), "env"],
            capture_output=True,
            text=True,
            check=True,
            timeout=20,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    values: dict[str, str] = {}
    for line in out.splitlines():
        if line.startswith("export ") and "=" in line:
            key, _, value = line[len("export ") :].partition("=")
            values[key] = value
    values.update({k: v for k, v in os.environ.items() if k in values})
    return values


SERVICE_ENV = _service_env()


def unavailable(what: str) -> None:
    """Fail under CI, skip elsewhere: a missing service is an environment problem, not a pass."""
    message = f"{what} is not available: run `scripts/services up` first"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


@pytest.fixture(scope="session")
def service_env() -> dict[str, str]:
    return dict(SERVICE_ENV)


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    import docker

    try:
        client = docker.DockerClient(base_url=SERVICE_ENV.get("DOCKER_HOST", "unix:///var/run/docker.sock"))
        client.ping()
    except Exception:  # noqa: BLE001 - any failure means "no engine"
        unavailable("the Docker Engine")
    yield client
    client.close()


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = SERVICE_ENV.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        unavailable(f"Redis at {url}")
    return url


@pytest.fixture(scope="session")
def redis_socket_url(redis_url: str) -> str:
    """The same Redis over its Unix socket (`scripts/services` starts it with one)."""
    url = SERVICE_ENV.get("REDIS_SOCKET_URL", "")
    import redis

    try:
        if not url:
            raise redis.ConnectionError("REDIS_SOCKET_URL is not set")
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        unavailable(f"Redis on its Unix socket ({url or 'REDIS_SOCKET_URL unset'})")
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = SERVICE_ENV.get("DOCKGATE_DATABASE_URL", "")
    if not url.startswith("postgresql") or not _port_open(5432):
        unavailable("PostgreSQL on 127.0.0.1:5432")
    return url


def _registry(name: str, key: str, default: str) -> str:
    registry = SERVICE_ENV.get(key, default)
    port = int(registry.rsplit(":", 1)[1])
    if not _port_open(port):
        unavailable(f"the {name} registry at {registry}")
    return registry


@pytest.fixture(scope="session")
def staging_registry() -> str:
    """host:port of the staging registry (no auth)."""
    return _registry("staging", "DOCKGATE_STAGING_REGISTRY", "127.0.0.1:5001")


@pytest.fixture(scope="session")
def prod_registry() -> str:
    """host:port of the production registry (htpasswd basic auth, see `prod_credentials`)."""
    return _registry("prod", "DOCKGATE_PROD_REGISTRY", "127.0.0.1:5002")


@pytest.fixture(scope="session")
def prod_credentials_path() -> Path:
    path = Path(SERVICE_ENV.get("DOCKGATE_REGISTRY_CREDENTIALS", STATE / "registry-credentials.json"))
    if not path.is_file():
        unavailable(f"registry credentials at {path}")
    return path


@pytest.fixture(scope="session")
def prod_credentials(prod_registry: str, prod_credentials_path: Path) -> dict[str, str]:
    """{"username": ..., "password": ...} for the production registry."""
    creds: dict[str, dict[str, str]] = json.loads(prod_credentials_path.read_text())
    return creds[prod_registry]


@pytest.fixture(scope="session")
def base_images(docker_client: Any) -> dict[str, str]:
    """The local base images every example builds from (made by `scripts/services up`)."""
    names = {
        "busybox": "dockgate-base/busybox:1.35",
        "debian": "dockgate-base/debian:bookworm",
        "python": "dockgate-base/python:3.11-bookworm",
        "node": "dockgate-base/node:18-bookworm",
        "nginx": "dockgate-base/nginx:bookworm",
    }
    import docker.errors

    for tag in names.values():
        try:
            docker_client.images.get(tag)
        except docker.errors.ImageNotFound:
            unavailable(f"the base image {tag}")
    return names
