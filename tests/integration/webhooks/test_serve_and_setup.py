"""`dockgate serve` under gunicorn, and the App manifest flow against the emulator."""

from __future__ import annotations

import http.client
import json
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
import redis

from app.factory import create_app
from app.setup import web_url
from app.webhooks.signature import sign
from tests.github_emulator.plugin import settings_env
from tests.github_emulator.server import Emulator

pytestmark = pytest.mark.redis
ROOT = Path(__file__).resolve().parents[3]


WEBHOOKS = ROOT.parent / "shared" / "github" / "webhooks"


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "1", "--threads", "2"]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
                assert response.status == 200
                return server, port
        except OSError:
            time.sleep(0.1)
    server.terminate()
    pytest.fail("dockgate serve did not answer /readyz")


def _deliver(
    connection: http.client.HTTPConnection, secret: bytes, event: str, body: bytes, *, chunked: bool = False
) -> tuple[int, dict]:
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": os.urandom(8).hex(),
        "X-Hub-Signature-256": sign(secret, body),
        "Content-Type": "application/json",
    }
    if chunked:  # no Content-Length: the server reads chunks up to the 25 MB limit
        pieces = [body[i : i + 1000] for i in range(0, len(body), 1000)]
        connection.request(
            "POST", "/webhooks/github", body=iter(pieces), headers=headers, encode_chunked=True
        )
    else:
        connection.request("POST", "/webhooks/github", body=body, headers=headers)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_serve_takes_deliveries_under_gunicorn_on_one_keep_alive_connection(
    github_settings: Callable, redis_db: str
) -> None:
    """The WSGI endpoint reads bodies straight from gunicorn's reader: the connection stays in step."""
    settings = github_settings(redis_db)
    secret = str(settings.github_webhook_secret).encode()
    server, port = _serve({**os.environ, **settings_env(settings), "PYTHONPATH": str(ROOT)})
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        opened = (WEBHOOKS / "pull_request/opened.json").read_bytes()
        ping = (WEBHOOKS / "ping/with-app_id.json").read_bytes()
        status, answer = _deliver(connection, secret, "pull_request", opened)
        assert status == 202 and answer["new"] == 1
        assert redis.Redis.from_url(redis_db).exists(f"rq:job:{answer['jobs'][0]}")
        status, answer = _deliver(connection, secret, "ping", ping)
        assert status == 200 and answer["zen"] == json.loads(ping)["zen"]
        status, answer = _deliver(connection, secret, "pull_request", opened, chunked=True)
        assert status == 202 and answer["new"] == 0  # same commit: the job exists
        status, answer = _deliver(connection, b"not the secret", "ping", ping)
        assert status == 401
        status, answer = _deliver(connection, secret, "ping", ping, chunked=True)
        assert status == 200 and answer["pong"] is True
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=1) as response:
            text = response.read().decode()
        assert 'dockgate_webhook_deliveries_total{event="pull_request",outcome="enqueued"} 2.0' in text
        assert 'dockgate_webhook_deliveries_total{event="-",outcome="bad_signature"} 1.0' in text
        assert "dockgate_webhook_seconds" in text
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_stores_jobs_over_the_redis_unix_socket(
    github_settings: Callable, redis_db: str, redis_socket_url: str
) -> None:
    """REDIS_URL=unix://...: the deployment bench/webhook.py recommends for a co-located Redis."""
    url = redis_socket_url.split("?", 1)[0] + "?db=" + redis_db.rsplit("/", 1)[1]  # the leased database
    settings = github_settings(url)
    secret = str(settings.github_webhook_secret).encode()
    store = redis.Redis.from_url(url)
    assert store.connection_pool.connection_class.__name__ == "UnixDomainSocketConnection"
    server, port = _serve({**os.environ, **settings_env(settings), "PYTHONPATH": str(ROOT)})
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        status, answer = _deliver(
            connection, secret, "push", (WEBHOOKS / "push/with-new-branch.json").read_bytes()
        )
        assert status == 202 and answer["new"] == 1
        [job] = answer["jobs"]
        queued = store.lrange("rq:queue:dockgate-high", 0, -1)
        assert store.exists(f"rq:job:{job}") and queued == [job.encode()]
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


def test_a_worker_can_keep_to_the_high_queue(github_settings: Callable, redis_db: str) -> None:
    """`dockgate worker --queues high`: plans and verdict posts never wait behind a build."""
    from workers import queues

    connection = redis.Redis.from_url(redis_db)
    for name in (queues.HIGH, queues.DEFAULT):
        spec = queues.JobSpec(queue=name, func="time.time", job_id=f"noop-{name}", timeout=30)
        assert queues.submit(connection, spec)
    env = {**os.environ, **settings_env(github_settings(redis_db)), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "app.cli", "worker", "--queues", "high", "--burst", "--no-periodic"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    high, default = (queues.fetch(connection, f"noop-{name}") for name in (queues.HIGH, queues.DEFAULT))
    assert high is not None and high.get_status() == "finished"
    assert default is not None and default.get_status() == "queued"
    bad = subprocess.run([*cmd[:5], "high,nope"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and "--queues: expected some of high, default, low" in bad.stderr
