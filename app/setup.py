"""GitHub's App manifest flow: `/setup` → GitHub creates the App → `/setup/callback?code=`.

The callback exchanges the one-time code (`POST /app-manifests/{code}/conversions`) for the App's
id, private key and webhook secret and writes them, mode 0600, to `DOCKGATE_SETUP_DIR` (default
`./.dockgate-app`). The page shows where they are, never the secrets themselves.
"""

from __future__ import annotations

import html
import json
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import yaml
from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue

from app.state import AppState

STATE_KEY = "dockgate:setup-state:{state}"
MANIFEST_PATH = Path(__file__).resolve().parents[1] / "app.yml"


def blueprint() -> Blueprint:
    bp = Blueprint("setup", __name__)
    bp.add_url_rule("/setup", "start", start)
    bp.add_url_rule("/setup/callback", "callback", callback)
    return bp


def web_url(api_url: str) -> str:
    """GitHub's web root for an API root: api.github.com → github.com; GHES drops `/api/v3`."""
    parts = urlsplit(api_url)
    if parts.netloc == "api.github.com":
        return "https://github.com"
    return f"{parts.scheme}://{parts.netloc}{parts.path.removesuffix('/api/v3')}"


def manifest(base_url: str) -> dict[str, Any]:
    """app.yml with this server's webhook and redirect URLs filled in."""
    path = Path(os.environ.get("DOCKGATE_APP_MANIFEST", MANIFEST_PATH))
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    data["hook_attributes"]["url"] = f"{base_url}/webhooks/github"
    data["redirect_url"] = f"{base_url}/setup/callback"
    return data


def start() -> ResponseReturnValue:
    state: AppState = current_app.extensions["dockgate"]
    base = (state.settings.public_url or request.host_url).rstrip("/")
    token = secrets.token_urlsafe(24)
    state.redis.set(STATE_KEY.format(state=token), "1", ex=3600)
    target = f"{web_url(state.settings.github_api_url)}/settings/apps/new?state={token}"
    body = html.escape(json.dumps(manifest(base)))
    return (
        "<!doctype html><title>dockgate setup</title><h1>Register the dockgate GitHub App</h1>"
        f'<form method="post" action="{html.escape(target)}">'
        f'<input type="hidden" name="manifest" value="{body}">'
        '<button type="submit">Create the App on GitHub</button></form>'
    )


def callback() -> ResponseReturnValue:
    state: AppState = current_app.extensions["dockgate"]
    code, token = request.args.get("code", ""), request.args.get("state", "")
    if not code or not token or not state.redis.getdel(STATE_KEY.format(state=token)):
        return "unknown or expired setup state; start again at /setup", 400
    url = f"{state.settings.github_api_url}/app-manifests/{code}/conversions"
    response = requests.post(url, headers={"Accept": "application/vnd.github+json"}, timeout=30)
    if response.status_code != 201:
        return f"GitHub refused the manifest code ({response.status_code}); start again at /setup", 502
    written = write_credentials(response.json(), Path(os.environ.get("DOCKGATE_SETUP_DIR", ".dockgate-app")))
    return (
        f"<!doctype html><title>dockgate setup</title><h1>App created</h1>"
        f"<p>Credentials written to <code>{html.escape(str(written))}</code> (mode 0600). "
        "Load them into the environment of `dockgate serve` and `dockgate worker`, then restart.</p>"
    )


def write_credentials(conversion: dict[str, Any], directory: Path) -> Path:
    """Write the App's key and an env file (both 0600); return the env file's path."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    app_id = int(conversion["id"])
    key_path = directory / f"app-{app_id}.pem"
    env_path = directory / f"app-{app_id}.env"
    for path, text in (
        (key_path, str(conversion["pem"])),
        (
            env_path,
            f"GITHUB_APP_ID={app_id}\nGITHUB_APP_PRIVATE_KEY_PATH={key_path.resolve()}\n"
            f"GITHUB_WEBHOOK_SECRET={conversion['webhook_secret']}\n",
        ),
    ):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
    return env_path
