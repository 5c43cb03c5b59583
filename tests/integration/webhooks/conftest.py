"""Fixtures for the webhook → RQ → GitHub end-to-end tests on real Redis."""

from __future__ import annotations

import atexit
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from app.factory import create_app
from app.webhooks.signature import sign
from tests.github_emulator.plugin import (
    emulated_repo,
    github_app_key,
    github_emulator,
    github_settings,
    settings_env,
)
from workers import jobs, queues
from workers.settings import Settings

__all__ = ["emulated_repo", "github_app_key", "github_emulator", "github_settings"]

WEBHOOKS = Path(__file__).resolve().parents[4] / "shared" / "github" / "webhooks"
TEST_DBS = range(6, 16)  # Redis databases these tests may use; one is leased per pytest session
LEASE_KEY = "dockgate-test:lease"


_LEASES: dict[str, str] = {}


def _lease(redis_url: str) -> str:
    """A Redis database of this process's own, leased once (concurrent pytest runs share the server)."""
    base = redis_url.rsplit("/", 1)[0]
    if base in _LEASES:
        return _LEASES[base]
    token = str(uuid.uuid4())
    for db in TEST_DBS:
        url = f"{base}/{db}"
        connection = redis.Redis.from_url(url)
        if connection.set(LEASE_KEY, token, nx=True, ex=3600):
            _LEASES[base] = url

            atexit.register(_release, connection, token)
            return url
    pytest.fail("no free Redis database for the webhook tests (all leased)")


def _release(connection: redis.Redis, token: str) -> None:
    if connection.get(LEASE_KEY) == token.encode():
        connection.flushdb()


@pytest.fixture
def redis_db(redis_url: str) -> Iterator[str]:
    """A leased database, emptied before each test (the lease key survives)."""
    url = _lease(redis_url)
    connection = redis.Redis.from_url(url)
    token = connection.get(LEASE_KEY)
    connection.flushdb()
    connection.set(LEASE_KEY, token or b"", ex=3600)
    yield url


@pytest.fixture
def dockgate(github_settings: Callable[..., Settings], redis_db: str, monkeypatch: pytest.MonkeyPatch):
    """`dockgate(**settings overrides)` → Harness: the Flask app, in-process workers, the env for workers."""

    def make(**overrides: Any) -> Harness:
        settings = github_settings(overrides.pop("redis_url", redis_db), **overrides)
        for var, value in settings_env(settings).items():
            monkeypatch.setenv(var, value)
        jobs.reset_runtime()
        return Harness(settings)

    yield make
    jobs.reset_runtime()


class Harness:
    """One dockgate deployment under test: app client + Redis + queue runners."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client: FlaskClient = create_app(settings).test_client()
        self.redis = redis.Redis.from_url(settings.redis_url)

    def post(self, event: str, body: bytes, *, delivery: str | None = None) -> Any:
        headers = {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "X-Hub-Signature-256": sign(str(self.settings.github_webhook_secret).encode(), body),
            "Content-Type": "application/json",
        }
        return self.client.post("/webhooks/github", data=body, headers=headers)

    def hook_sender(self, headers: dict[str, str], body: bytes) -> int:
        """For the emulator: deliver as GitHub would, answer the HTTP status."""
        return self.client.post("/webhooks/github", data=body, headers=headers).status_code

    def work(self, *names: str) -> None:
        """Run the named queues (default all, high first) in-process until empty."""
        qs = [queues.queue(n, self.redis) for n in (names or queues.QUEUE_NAMES)]
        SimpleWorker(qs, connection=self.redis, serializer=JSONSerializer).work(
            burst=True, logging_level="WARNING"
        )


def payload(name: str) -> tuple[str, bytes, dict[str, Any]]:
    """(event, exact bytes, parsed) of a real payload under shared/github/webhooks."""
    body = (WEBHOOKS / name).read_bytes()
    return name.split("/")[0], body, json.loads(body)


def with_head(body: dict[str, Any], sha: str) -> bytes:
    """A pull_request payload moved to another head commit (a later push to the same PR)."""
    changed = json.loads(json.dumps(body))
    changed["pull_request"]["head"]["sha"] = sha
    changed["action"] = "synchronize"
    return json.dumps(changed).encode()


def run_worker_until_marked_then_kill(env: dict[str, str], marker: Path, log: Path, timeout: float) -> None:
    """Start a real `dockgate worker`; once its job writes the work horse's pid to `marker`, the machine
    dies: SIGKILL the worker's process group and the horse (RQ puts the horse in its own group)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    root = Path(__file__).resolve().parents[3]
    worker = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker", "--no-periodic"],
        cwd=root,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    try:
        deadline = time.time() + timeout
        while not (marker.exists() and marker.read_text()) and time.time() < deadline:
            time.sleep(0.05)
        assert marker.exists(), f"the worker never reached the marked step: {log.read_text()[-3000:]}"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        if marker.exists() and marker.read_text():
            horse = int(marker.read_text())
            os.kill(horse, signal.SIGKILL)
            while (
                os.path.exists(f"/proc/{horse}") and "zombie" not in Path(f"/proc/{horse}/status").read_text()
            ):
                time.sleep(0.02)


def work_until_completed(harness: Harness, github_emulator: Any, sha: str, timeout: float = 120) -> list[Any]:
    """Run the queues, and RQ's scheduler for jobs scheduled later (retries, verdict posts), until every
    check run of `sha` is completed or `timeout` passes; returns the runs."""
    import time

    from rq.scheduler import RQScheduler
    from rq.serializers import JSONSerializer

    scheduler = RQScheduler(list(queues.QUEUE_NAMES), connection=harness.redis, serializer=JSONSerializer)
    deadline = time.monotonic() + timeout
    while True:
        harness.work()
        runs: list[Any] = github_emulator.runs(head_sha=sha)
        if (runs and all(r["status"] == "completed" for r in runs)) or time.monotonic() > deadline:
            return runs
        time.sleep(0.5)
        scheduler.acquire_locks()
        scheduler.enqueue_scheduled_jobs()
        scheduler.release_locks()
