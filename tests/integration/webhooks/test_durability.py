"""Nothing is lost and no check run stays open: Redis outages, SIGKILLed workers, crashing stages."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from tests.github_emulator.plugin import settings_env
from tests.github_emulator.server import Emulator
from tests.integration.webhooks.conftest import payload, run_worker_until_marked_then_kill
from workers import jobs, queues
from workers.github import maintenance

pytestmark = [pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
FILES = {"Dockerfile": "FROM scratch\n"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_redis(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_connect_timeout=0.2)
    for _ in range(100):
        try:
            client.ping()
            return proc
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start")


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[tuple[int, list[subprocess.Popen[bytes]]]]:
    """A redis-server of this test's own on a free loopback port (killed by the test, then restarted)."""
    port = free_port()
    procs = [start_redis(port, tmp_path)]
    yield port, procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_redis_down_answers_503_and_the_sweeper_redelivers(
    private_redis, dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable, tmp_path: Path
) -> None:
    port, procs = private_redis
    event, body, data = payload("pull_request/opened.json")
    emulated_repo("Codertocat/Hello-World", FILES, aliases={data["pull_request"]["head"]["sha"]: "HEAD"})
    harness = dockgate(redis_url=f"redis://127.0.0.1:{port}/0")
    github_emulator.hook_sender = harness.hook_sender

    procs[0].kill()
    procs[0].wait()
    assert github_emulator.deliver(event, body) == 503
    assert harness.client.get("/readyz").status_code == 503

    procs.append(start_redis(port, tmp_path))
    jobs.reset_runtime()
    assert maintenance.sweep_deliveries() == {"redelivered": 1}
    deadline = time.time() + 10
    while len(github_emulator.deliveries) < 2 and time.time() < deadline:
        time.sleep(0.05)
    latest = github_emulator.deliveries[0]
    assert latest["redelivery"] and latest["status_code"] == 202
    assert maintenance.sweep_deliveries() == {"redelivered": 0}  # processed now: nothing to redeliver

    harness.work()
    [run] = github_emulator.check_runs.values()
    assert (run["status"], run["conclusion"]) == ("completed", "neutral")


def test_sigkilled_worker_job_is_retried_into_one_completed_run(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable, tmp_path: Path
) -> None:
    marker = tmp_path / "first-attempt"
    event, body, data = payload("pull_request/opened.json")
    sha = data["pull_request"]["head"]["sha"]
    emulated_repo("Codertocat/Hello-World", FILES, aliases={sha: "HEAD"})
    harness = dockgate(image_pipeline="tests.integration.webhooks.pipelines:stalls")
    os.environ["DOCKGATE_TEST_MARKER"] = str(marker)
    env = {**os.environ, **settings_env(harness.settings), "PYTHONPATH": str(ROOT)}
    assert harness.post(event, body).status_code == 202

    run_worker_until_marked_then_kill(env, marker, tmp_path / "worker.log", timeout=60)
    [run] = github_emulator.runs(head_sha=sha)
    assert run["status"] == "in_progress"

    # RQ declares the job abandoned once its heartbeat lapses (monitoring interval + 60 s): move the clock
    jobs.reset_runtime()
    maintenance.janitor(now=time.time() + 3600)
    harness.work()

    [run] = github_emulator.runs(head_sha=sha)
    job = queues.fetch(
        harness.redis, next(iter(queues.active_runs(harness.redis).values()), {}).get("job_id", "-")
    )
    why = job and (job.get_status(), (tmp_path / "worker.log").read_text()[-3000:])
    assert (run["status"], run["conclusion"]) == ("completed", "success"), why
    killed_pid = marker.read_text()
    assert (
        run["output"]["summary"]
        == f"app finished by pid {os.getpid()}"
        != f"app finished by pid {killed_pid}"
    )
    assert any(
        t.startswith("retrying after an error: the worker running this job stopped")
        for t in run["titles"]
        if t
    )


def test_crashing_stage_fails_the_run_once_retries_are_spent(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    event, body, data = payload("pull_request/opened.json")
    sha = data["pull_request"]["head"]["sha"]
    emulated_repo("Codertocat/Hello-World", FILES, aliases={sha: "HEAD"})
    harness = dockgate(image_pipeline="tests.integration.webhooks.pipelines:crashes")
    harness.post(event, body)
    harness.work(queues.HIGH)
    [job_id] = list(queues.queue(queues.DEFAULT, harness.redis).job_ids)
    job = queues.fetch(harness.redis, job_id)
    job.retries_left, job.retry_intervals = 1, [0]  # one quick retry instead of waiting 30 s
    job.save()
    harness.work()
    [run] = github_emulator.runs(head_sha=sha)
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert "RuntimeError: stage exploded" in run["output"]["summary"]
    assert any(t.startswith("retrying after an error: RuntimeError") for t in run["titles"] if t)
    assert queues.active_runs(harness.redis) == {}


def test_janitor_closes_runs_whose_job_vanished(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    event, body, data = payload("pull_request/opened.json")
    sha = data["pull_request"]["head"]["sha"]
    emulated_repo("Codertocat/Hello-World", FILES, aliases={sha: "HEAD"})
    harness = dockgate()
    harness.post(event, body)
    harness.work(queues.HIGH)
    [job_id] = queues.queue(queues.DEFAULT, harness.redis).job_ids
    queues.fetch(harness.redis, job_id).delete()  # e.g. expired or removed by an operator
    assert maintenance.janitor() == {"closed": 1}
    [run] = github_emulator.runs(head_sha=sha)
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert "janitor" in run["output"]["summary"]
    assert maintenance.janitor() == {"closed": 0}


def test_rate_limited_step_is_retried_after_githubs_retry_after(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    from rq.registry import ScheduledJobRegistry

    event, body, data = payload("pull_request/opened.json")
    sha = data["pull_request"]["head"]["sha"]
    emulated_repo("Codertocat/Hello-World", FILES, aliases={sha: "HEAD"})
    harness = dockgate(image_pipeline="tests.integration.webhooks.pipelines:rate_limited")
    harness.post(event, body)
    before = time.time()
    harness.work()
    [run] = github_emulator.runs(head_sha=sha)
    assert run["status"] == "in_progress"  # not failed: the verdict waits for GitHub
    assert run["titles"][-1].startswith("retrying after an error: GitHub could not read the Dockerfile")
    registry = ScheduledJobRegistry(queue=queues.queue(queues.DEFAULT, harness.redis))
    [job_id] = registry.get_job_ids()
    when = registry.get_scheduled_time(job_id).timestamp()
    assert before + 89 <= when <= time.time() + 91
