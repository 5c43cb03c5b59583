"""App authentication: the RS256 App JWT and installation tokens cached in Redis.

Jobs mint the installation token they need (never the webhook, never job arguments). Tokens live
an hour; the cache keeps each one until five minutes before it expires, so a burst of jobs for one
installation costs one `POST /app/installations/{id}/access_tokens`. A token is never logged,
never put in a URL and never passed as a process argument.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import redis
from github import Auth, Github, GithubIntegration
from github.Repository import Repository

from attestations.errors import ConfigError
from workers.github.pacing import WritePacer
from workers.github.ratelimit import call_github
from workers.settings import Settings

logger = logging.getLogger(__name__)

CACHE_KEY = "dockgate:gh-token:{installation_id}"
EXPIRY_MARGIN_SECONDS = 300


class InstallationTokenCache:
    """Installation tokens in Redis, keyed by installation id, expiring before GitHub's expiry."""

    def __init__(self, connection: redis.Redis, mint: Any) -> None:
        self._redis = connection
        self._mint = mint

    def get(self, installation_id: int) -> str:
        """A valid token for the installation: the cached one, or a freshly minted one."""
        key = CACHE_KEY.format(installation_id=int(installation_id))
        cached = self._redis.get(key)
        if cached is not None:
            return cached.decode() if isinstance(cached, bytes) else str(cached)
        token, expires_at = self._mint(int(installation_id))
        ttl = int((expires_at - datetime.now(UTC)).total_seconds()) - EXPIRY_MARGIN_SECONDS
        if ttl > 0:
            self._redis.set(key, token, ex=ttl)
        logger.info("minted installation token", extra={"installation_id": installation_id, "ttl": ttl})
        return str(token)

    def forget(self, installation_id: int) -> None:
        """Drop a cached token GitHub no longer accepts (revoked, installation suspended)."""
        self._redis.delete(CACHE_KEY.format(installation_id=int(installation_id)))


class GitHubApp:
    """The App's view of GitHub: JWT-authenticated integration plus per-installation clients."""

    def __init__(self, settings: Settings, connection: redis.Redis) -> None:
        settings.require("github_app_id", "github_app_private_key_path")
        assert settings.github_app_private_key_path is not None and settings.github_app_id is not None
        try:
            pem = settings.github_app_private_key_path.read_text()
        except OSError as exc:
            raise ConfigError(f"GITHUB_APP_PRIVATE_KEY_PATH cannot be read: {exc.strerror}") from exc
        self._auth = Auth.AppAuth(settings.github_app_id, pem)
        self.api_url = settings.github_api_url
        self._write_interval = settings.github_write_interval
        self._redis = connection
        self.tokens = InstallationTokenCache(connection, self._mint)

    def integration(self) -> GithubIntegration:
        """A client authenticated as the App itself (JWT): installations, tokens, hook deliveries."""
        return GithubIntegration(
            auth=self._auth,
            base_url=self.api_url,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
            lazy=True,
        )

    def _mint(self, installation_id: int) -> tuple[str, datetime]:
        grant = call_github(
            "mint an installation token", lambda: self.integration().get_access_token(installation_id)
        )
        expires = grant.expires_at
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        return str(grant.token), expires

    def installation_token(self, installation_id: int) -> str:
        """The installation's token (cached); for git over HTTPS pass it in a header, not the URL."""
        return self.tokens.get(installation_id)

    def installation(self, installation_id: int) -> Github:
        """A lazy client acting as the installation; retries are ours (see :mod:`ratelimit`)."""
        return Github(
            auth=Auth.Token(self.installation_token(installation_id)),
            base_url=self.api_url,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,  # paced across workers by `write_pacer` instead
            lazy=True,
        )

    def write_pacer(self, installation_id: int) -> Callable[..., object] | None:
        """The installation's shared write budget (None when DOCKGATE_GITHUB_WRITE_INTERVAL is 0)."""
        if not self._write_interval:
            return None
        return WritePacer(self._redis, installation_id, self._write_interval)

    def repository(self, installation_id: int, full_name: str) -> Repository:
        """A lazy repository handle: no request is made until an operation needs one."""
        return self.installation(installation_id).get_repo(full_name, lazy=True)
