"""`dockgate serve` under gunicorn, and the App manifest flow against the emulator."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from app.factory import create_app
from app.setup import web_url
from tests.github_emulator.plugin import settings_env
from tests.github_emulator.server import Emulator

pytestmark = pytest.mark.redis
ROOT = Path(__file__).resolve().parents[3]


def test_serve_runs_the_app_under_gunicorn(github_settings: Callable, redis_db: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, **settings_env(github_settings(redis_db)), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "1", "--threads", "2"]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
                    assert response.status == 200
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("dockgate serve did not answer /readyz")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=1) as response:
            assert b"dockgate_webhook_seconds" in response.read()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_manifest_flow_writes_the_apps_credentials(
    github_settings: Callable, redis_db: str, github_emulator: Emulator, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("DOCKGATE_SETUP_DIR", str(tmp_path / "app"))
    client = create_app(github_settings(redis_db, public_url="https://dockgate.example")).test_client()
    page = client.get("/setup").get_data(as_text=True)
    assert f'action="{web_url(github_emulator.base_url)}/settings/apps/new?state=' in page
    assert "https://dockgate.example/webhooks/github" in page and "checks" in page
    state = page.split("state=", 1)[1].split('"', 1)[0]

    assert client.get("/setup/callback?code=abc&state=forged").status_code == 400
    done = client.get(f"/setup/callback?code=abc123&state={state}")
    assert done.status_code == 200
    [conversion] = github_emulator.calls("apps/create-from-manifest")
    assert conversion["status"] == 201
    env_file = next((tmp_path / "app").glob("app-*.env"))
    key_file = next((tmp_path / "app").glob("app-*.pem"))
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600 == stat.S_IMODE(key_file.stat().st_mode)
    assert "BEGIN RSA PRIVATE KEY" in key_file.read_text()
    assert "GITHUB_WEBHOOK_SECRET=" in env_file.read_text()
    assert "GITHUB_WEBHOOK_SECRET" not in done.get_data(as_text=True)
    assert client.get(f"/setup/callback?code=abc123&state={state}").status_code == 400  # state is single-use


def test_web_url_for_github_and_ghes() -> None:
    assert web_url("https://api.github.com") == "https://github.com"
    assert web_url("https://ghe.example.com/api/v3") == "https://ghe.example.com"
