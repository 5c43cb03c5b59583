"""Registry credentials and the two auth schemes of the distribution spec: Basic and Bearer tokens.

Credentials stay out of logs and reprs; bearer tokens are cached per scope so one signing run does
not ask the token server once per blob.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from attestations.errors import ConfigError
from attestations.oci.errors import RegistryAuthError, RegistryUnavailable

logger = logging.getLogger(__name__)

_PARAM = re.compile(r'(\w+)="([^"]*)"|(\w+)=([^\s,]+)')


@dataclass(frozen=True)
class Credentials:
    """Username and password (or identity token) for one registry host."""

    username: str
    password: str = field(repr=False)


def load_credentials(path: Path) -> dict[str, Credentials]:
    """Read `{"host:port": {"username": .., "password": ..}}` (the DOCKGATE_REGISTRY_CREDENTIALS file)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read registry credentials {path}: {exc.__class__.__name__}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"registry credentials {path}: expected an object keyed by registry host")
    result: dict[str, Credentials] = {}
    for host, entry in data.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("username"), str)):
            raise ConfigError(f"registry credentials {path}: entry {host!r} needs username and password")
        if not isinstance(entry.get("password"), str):
            raise ConfigError(f"registry credentials {path}: entry {host!r} needs username and password")
        result[host] = Credentials(entry["username"], entry["password"])
    return result


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """Split a WWW-Authenticate value into its scheme and parameters."""
    scheme, _, rest = header.strip().partition(" ")
    params = {}
    for match in _PARAM.finditer(rest):
        key = match.group(1) or match.group(3)
        params[key.lower()] = match.group(2) if match.group(1) else match.group(4)
    return scheme.lower(), params


class Authenticator:
    """Turns 401 challenges into Authorization headers for later requests."""

    def __init__(self, session: requests.Session, credentials: Credentials | None) -> None:
        self._session = session
        self._credentials = credentials
        self._basic = False
        self._tokens: dict[str, str] = {}

    def headers(self, scope: str) -> dict[str, str]:
        """The Authorization header known to work for `scope`, if any."""
        if scope in self._tokens:
            return {"Authorization": f"Bearer {self._tokens[scope]}"}
        if self._basic and self._credentials:
            raw = f"{self._credentials.username}:{self._credentials.password}".encode()
            return {"Authorization": "Basic " + base64.b64encode(raw).decode()}
        return {}

    def answer(self, response: requests.Response, scope: str) -> bool:
        """Handle a 401; True when a retry with new headers makes sense."""
        scheme, params = parse_challenge(response.headers.get("WWW-Authenticate", ""))
        if scheme == "basic":
            if self._credentials is None or self._basic:
                return False
            self._basic = True
            return True
        if scheme == "bearer" and "realm" in params and scope not in self._tokens:
            self._tokens[scope] = self._fetch_token(params, scope)
            return True
        return False

    def _fetch_token(self, params: dict[str, str], scope: str) -> str:
        query: list[tuple[str, str]] = []
        if "service" in params:
            query.append(("service", params["service"]))
        query.extend(("scope", part) for part in scope.split(" ") if part)
        auth = (self._credentials.username, self._credentials.password) if self._credentials else None
        try:
            resp = self._session.get(params["realm"], params=query, auth=auth, timeout=30)
        except requests.RequestException as exc:
            raise RegistryUnavailable(f"token server {params['realm']} unreachable: {exc}") from exc
        if resp.status_code in (401, 403):
            raise RegistryAuthError(f"token server {params['realm']} refused the credentials: check them")
        if resp.status_code != 200:
            raise RegistryAuthError(f"token server {params['realm']} answered {resp.status_code}")
        body: Any = resp.json()
        token = body.get("token") or body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str):
            raise RegistryAuthError(f"token server {params['realm']} sent no token")
        logger.debug("obtained a bearer token for scope %s", scope)
        return token
