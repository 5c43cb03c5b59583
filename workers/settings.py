"""Typed settings, read once from the environment (12-factor).

Every malformed variable is reported at once, in one message naming each variable, so an
operator fixes a deployment in one round trip instead of one restart per mistake.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse

from attestations.errors import ConfigError

T = TypeVar("T")

DEFAULT_GITHUB_API_URL = "https://api.github.com"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_DATABASE_URL = "sqlite:///dockgate.db"


def _url(value: str) -> str:
    parsed = urlparse(value)
    if not parsed.scheme or not (parsed.netloc or parsed.path):
        raise ValueError("expected a URL such as scheme://host[:port]/path")
    return value.rstrip("/") if parsed.scheme.startswith("http") else value


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError("expected an integer") from None


def _positive(value: str) -> int:
    number = _int(value)
    if number <= 0:
        raise ValueError("expected a positive integer")
    return number


def _key_file(value: str) -> Path | None:
    """A PEM key file; a `scheme://` KMS reference is not a file (see `_kms_ref`)."""
    return None if "://" in value else _existing_file(value)


def _kms_ref(value: str) -> str | None:
    return value.strip() if "://" in value else None


def _bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")


def _sbom_backend(value: str) -> str:
    if value not in ("native", "syft"):
        raise ValueError("expected native or syft")
    return value


def _port(value: str) -> int:
    port = _int(value)
    if not 0 < port < 65536:
        raise ValueError("expected a TCP port between 1 and 65535")
    return port


def _registry(value: str) -> str:
    """A registry host[:port][/namespace] without scheme, as docker and cosign spell it."""
    if "://" in value or not value or value.startswith("/"):
        raise ValueError("expected host[:port][/namespace] without a scheme, e.g. 127.0.0.1:5001")
    return value.rstrip("/")


def _existing_file(value: str) -> Path:
    path = Path(value).expanduser()
    if not path.is_file():
        raise ValueError(f"file {path} does not exist")
    return path


@dataclass(frozen=True)
class Settings:
    """Everything dockgate reads from its environment; build it with :meth:`from_env`."""

    github_app_id: int | None = None
    github_app_private_key_path: Path | None = None
    github_webhook_secret: str | None = field(default=None, repr=False)
    github_api_url: str = DEFAULT_GITHUB_API_URL
    redis_url: str = DEFAULT_REDIS_URL
    docker_host: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    staging_registry: str | None = None
    prod_registry: str | None = None
    registry_credentials_path: Path | None = None
    signing_key_path: Path | None = None
    signing_key_ref: str | None = None  # a KMS key (`scheme://...`) given in DOCKGATE_SIGNING_KEY_PATH
    signing_key_password: str | None = field(default=None, repr=False)
    sigstore_trust_config_path: Path | None = None
    sigstore_identity_token_path: Path | None = None
    sigstore_instance: str = "production"
    vulndb_path: Path | None = None
    base_mirror: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    image_pipeline: str = "dockerfile-report"
    promote_permission: str = "write"
    public_url: str | None = None
    github_write_interval: float = 1.0
    cache_dir: Path | None = None
    verify_policy_path: Path | None = None
    build_memory_mb: int = 2048
    build_cpus: int = 0
    vulndb_max_age_days: int | None = None
    cosign_legacy: bool = True
    sbom_backend: str = "native"
    api_tokens: tuple[str, ...] = field(default=(), repr=False)
    layer_cache_mb: int = 20480

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every variable; raise one :class:`ConfigError` listing all problems."""
        env = os.environ if environ is None else environ
        problems: list[str] = []

        def get(name: str, convert: Callable[[str], T], default: T) -> T:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                return convert(raw)
            except ValueError as exc:
                problems.append(f"{name}={raw!r}: {exc}")
                return default

        settings = cls(
            github_app_id=get("GITHUB_APP_ID", _int, None),
            github_app_private_key_path=get("GITHUB_APP_PRIVATE_KEY_PATH", _existing_file, None),
            github_webhook_secret=env.get("GITHUB_WEBHOOK_SECRET") or None,
            github_api_url=get("GITHUB_API_URL", _url, DEFAULT_GITHUB_API_URL),
            redis_url=get("REDIS_URL", _url, DEFAULT_REDIS_URL),
            docker_host=get("DOCKER_HOST", _url, None),
            database_url=get("DOCKGATE_DATABASE_URL", _url, DEFAULT_DATABASE_URL),
            staging_registry=get("DOCKGATE_STAGING_REGISTRY", _registry, None),
            prod_registry=get("DOCKGATE_PROD_REGISTRY", _registry, None),
            registry_credentials_path=get("DOCKGATE_REGISTRY_CREDENTIALS", _existing_file, None),
            signing_key_path=get("DOCKGATE_SIGNING_KEY_PATH", _key_file, None),
            signing_key_ref=_kms_ref(env.get("DOCKGATE_SIGNING_KEY_PATH", "")),
            signing_key_password=env.get("DOCKGATE_SIGNING_KEY_PASSWORD") or None,
            sigstore_trust_config_path=get("DOCKGATE_SIGSTORE_TRUST_CONFIG", _existing_file, None),
            sigstore_identity_token_path=get("DOCKGATE_SIGSTORE_IDENTITY_TOKEN_PATH", Path, None),
            sigstore_instance=get("DOCKGATE_SIGSTORE_INSTANCE", _instance, "production"),
            vulndb_path=get("DOCKGATE_VULNDB", Path, None),
            base_mirror=get("DOCKGATE_BASE_MIRROR", _registry, None),
            host=env.get("DOCKGATE_HOST", "").strip() or "127.0.0.1",
            port=get("DOCKGATE_PORT", _port, 8080),
            image_pipeline=env.get("DOCKGATE_IMAGE_PIPELINE", "").strip() or "dockerfile-report",
            promote_permission=get("DOCKGATE_PROMOTE_PERMISSION", _permission, "write"),
            public_url=get("DOCKGATE_PUBLIC_URL", _url, None),
            github_write_interval=get("DOCKGATE_GITHUB_WRITE_INTERVAL", _seconds, 1.0),
            cache_dir=get("DOCKGATE_CACHE_DIR", Path, None),
            verify_policy_path=get("DOCKGATE_VERIFY_POLICY", _existing_file, None),
            build_memory_mb=get("DOCKGATE_BUILD_MEMORY_MB", _positive, 2048),
            build_cpus=get("DOCKGATE_BUILD_CPUS", _int, 0),
            vulndb_max_age_days=get("DOCKGATE_VULNDB_MAX_AGE_DAYS", _int, None),
            cosign_legacy=get("DOCKGATE_COSIGN_LEGACY", _bool, True),
            sbom_backend=get("DOCKGATE_SBOM_BACKEND", _sbom_backend, "native"),
            api_tokens=tuple(t.strip() for t in env.get("DOCKGATE_API_TOKENS", "").split(",") if t.strip()),
            layer_cache_mb=get("DOCKGATE_LAYER_CACHE_MB", _int, 20480),
        )
        if problems:
            raise ConfigError("invalid environment: " + "; ".join(problems))
        return settings

    def require(self, *names: str) -> None:
        """Fail with one message naming every required setting (by its variable) that is unset."""
        missing = [ENV_NAMES[name] for name in names if getattr(self, name) in (None, "")]
        if missing:
            raise ConfigError("missing required environment variable(s): " + ", ".join(missing))


def _instance(value: str) -> str:
    if value not in {"production", "staging", "custom"}:
        raise ValueError("expected production, staging or custom")
    return value


def _permission(value: str) -> str:
    if value not in {"admin", "maintain", "write"}:
        raise ValueError("expected admin, maintain or write (the least repository role allowed to promote)")
    return value


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError("expected a number of seconds") from None
    if seconds < 0:
        raise ValueError("expected a non-negative number of seconds")
    return seconds


ENV_NAMES: dict[str, str] = {
    "github_app_id": "GITHUB_APP_ID",
    "github_app_private_key_path": "GITHUB_APP_PRIVATE_KEY_PATH",
    "github_webhook_secret": "GITHUB_WEBHOOK_SECRET",
    "github_api_url": "GITHUB_API_URL",
    "redis_url": "REDIS_URL",
    "docker_host": "DOCKER_HOST",
    "database_url": "DOCKGATE_DATABASE_URL",
    "staging_registry": "DOCKGATE_STAGING_REGISTRY",
    "prod_registry": "DOCKGATE_PROD_REGISTRY",
    "registry_credentials_path": "DOCKGATE_REGISTRY_CREDENTIALS",
    "signing_key_path": "DOCKGATE_SIGNING_KEY_PATH",
    "signing_key_ref": "DOCKGATE_SIGNING_KEY_PATH",
    "signing_key_password": "DOCKGATE_SIGNING_KEY_PASSWORD",
    "sigstore_trust_config_path": "DOCKGATE_SIGSTORE_TRUST_CONFIG",
    "sigstore_identity_token_path": "DOCKGATE_SIGSTORE_IDENTITY_TOKEN_PATH",
    "sigstore_instance": "DOCKGATE_SIGSTORE_INSTANCE",
    "vulndb_path": "DOCKGATE_VULNDB",
    "base_mirror": "DOCKGATE_BASE_MIRROR",
    "host": "DOCKGATE_HOST",
    "port": "DOCKGATE_PORT",
    "image_pipeline": "DOCKGATE_IMAGE_PIPELINE",
    "promote_permission": "DOCKGATE_PROMOTE_PERMISSION",
    "public_url": "DOCKGATE_PUBLIC_URL",
    "github_write_interval": "DOCKGATE_GITHUB_WRITE_INTERVAL",
    "cache_dir": "DOCKGATE_CACHE_DIR",
    "verify_policy_path": "DOCKGATE_VERIFY_POLICY",
    "build_memory_mb": "DOCKGATE_BUILD_MEMORY_MB",
    "build_cpus": "DOCKGATE_BUILD_CPUS",
    "vulndb_max_age_days": "DOCKGATE_VULNDB_MAX_AGE_DAYS",
    "cosign_legacy": "DOCKGATE_COSIGN_LEGACY",
    "sbom_backend": "DOCKGATE_SBOM_BACKEND",
    "api_tokens": "DOCKGATE_API_TOKENS",
    "layer_cache_mb": "DOCKGATE_LAYER_CACHE_MB",
}
