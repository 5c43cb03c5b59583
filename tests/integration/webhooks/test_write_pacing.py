"""GitHub write pacing: one token bucket per installation in Redis, shared by every worker.

A commit's `queued` runs go out together (the burst); a long stream of writes is spaced by the
interval across all workers; installations do not share a budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import redis

from tests.github_emulator.server import Emulator
from tests.integration.webhooks.conftest import payload
from workers import jobs
from workers.github import pacing
from workers.github.pacing import Priority, WritePacer

pytestmark = pytest.mark.redis

DOCKERFILE = "FROM scratch\n"
THREE = {
    ".dockgate.yml": "images:\n"
    + "".join(f"  - name: {n}\n    context: {n}\n" for n in ("api", "web", "worker")),
    **{f"{n}/Dockerfile": DOCKERFILE for n in ("api", "web", "worker")},
}


def test_a_burst_goes_at_once_then_writes_are_spaced_across_workers(redis_db: str) -> None:
    connection = redis.Redis.from_url(redis_db)
    waits: list[float] = []
    q = Priority.QUEUED  # no reserve: the bucket itself
    first = WritePacer(connection, 7, 0.2, burst=3, sleep=waits.append)
    second = WritePacer(connection, 7, 0.2, burst=3, sleep=waits.append)  # another worker, same installation
    other = WritePacer(connection, 8, 0.2, burst=3, sleep=waits.append)
    assert [first(q), second(q), first(q)] == [0, 0, 0]  # the burst
    queued = [second(q), first(q), second(q)]  # over budget: each waits its turn, one interval apart
    assert all(abs(w - want) < 0.05 for w, want in zip(queued, (0.2, 0.4, 0.6), strict=True))
    assert waits == queued
    assert other(q) == 0  # another installation has its own budget
    time.sleep(1.0)  # the debt (3 slots) is paid at 0.6 s; two more slots accrue by 1.0 s
    assert first(q) == 0 and second(q) == 0  # without the refill they would wait 0.8 and 1.0 s


def test_writes_leave_their_reserve_to_more_urgent_ones(redis_db: str) -> None:
    """New commits' queued runs first; progress steps are skipped under pressure, never awaited."""
    connection = redis.Redis.from_url(redis_db)
    waits: list[float] = []
    pacer = WritePacer(connection, 10, 60.0, burst=12, sleep=waits.append)  # reserves: 10, 5, 0
    assert [pacer(Priority.OPTIONAL), pacer(Priority.OPTIONAL)] == [0, 0]  # 10 left: the reserve
    assert pacer(Priority.OPTIONAL) is None  # it would dip into the reserve: skipped, nothing taken
    assert [pacer() for _ in range(5)] == [0] * 5  # normal writes down to their reserve (5 left)
    assert 59 < (pacer() or 0) <= 60  # the next normal write waits one interval on credit (4 left)
    assert [pacer(Priority.QUEUED) for _ in range(4)] == [0] * 4  # a plan's runs still go at once
    assert pacer(Priority.OPTIONAL) is None and len(waits) == 1  # an optional write never waits
    assert 59 < (pacer(Priority.QUEUED) or 0) <= 60  # the burst is spent: even these wait now


def test_the_bucket_expires_once_full_again(redis_db: str) -> None:
    connection = redis.Redis.from_url(redis_db)
    pacer = WritePacer(connection, 9, 0.05, burst=2, sleep=lambda _: None)
    pacer()
    ttl_ms = connection.pttl(pacer.key)
    assert 0 < ttl_ms <= 0.05 * 1000 * 1 + 1000 + 1  # refilled after one interval, plus a second


def test_a_three_image_commit_gets_its_queued_runs_without_waiting(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the default 1 s write interval, the plan's three creations fit in the burst."""
    slept: list[float] = []
    monkeypatch.setattr(pacing.time, "sleep", slept.append)
    event, body, data = payload("pull_request/opened.json")
    sha = str(data["pull_request"]["head"]["sha"])
    emulated_repo(data["repository"]["full_name"], THREE, aliases={sha: "HEAD"})
    harness = dockgate(github_write_interval=1.0)
    assert harness.post(event, body).status_code == 202
    jobs.runtime().pipeline = _Idle()
    harness.work("dockgate-high")
    runs = github_emulator.runs(head_sha=sha)
    assert sorted(r["name"] for r in runs) == ["dockgate/api", "dockgate/web", "dockgate/worker"]
    assert {r["status"] for r in runs} == {"queued"} and slept == []
    assert len(github_emulator.calls("checks/list-for-ref")) == 1  # one listing for the three creations


class _Idle:
    def run(self, ctx: object, progress: Callable[[str], None]) -> object:
        raise AssertionError("only the plan runs in this test")
