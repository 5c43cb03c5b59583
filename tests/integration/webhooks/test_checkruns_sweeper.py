"""The redelivery sweeper reads every page of recent deliveries and retries failed redeliveries, boundedly."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from github import Auth, GithubIntegration

from tests.github_emulator.operations import iso
from tests.github_emulator.plugin import APP_ID
from tests.github_emulator.server import Emulator
from tests.integration.webhooks.conftest import payload
from workers.github import maintenance

pytestmark = pytest.mark.redis

FILES = {"Dockerfile": "FROM scratch\n"}


def _settle(github_emulator: Emulator, count: int) -> None:
    deadline = time.time() + 10
    while len(github_emulator.deliveries) < count and time.time() < deadline:
        time.sleep(0.02)
    assert len(github_emulator.deliveries) >= count


def test_emulator_pages_deliveries_with_a_cursor_link(
    github_emulator: Emulator, github_app_key: tuple[Path, str]
) -> None:
    event, body, _ = payload("ping/with-app_id.json")
    github_emulator.hook_sender = lambda headers, raw: 200
    for _ in range(5):
        github_emulator.deliver(event, body)
    auth = Auth.AppAuth(APP_ID, github_app_key[0].read_text())
    requester = GithubIntegration(auth=auth, base_url=github_emulator.base_url, lazy=True).requester
    seen: list[int] = []
    params: dict[str, object] = {"per_page": 2}
    for _ in range(5):
        headers, page = requester.requestJsonAndCheck("GET", "/app/hook/deliveries", parameters=params)
        seen += [d["id"] for d in page]
        cursor = maintenance._next_cursor(headers)
        if cursor is None:
            break
        params = {"per_page": 2, "cursor": cursor}
    assert seen == sorted((d["id"] for d in github_emulator.deliveries), reverse=True)
    assert len(github_emulator.calls("apps/list-webhook-deliveries")) == 3


def test_a_failed_delivery_beyond_the_first_page_is_redelivered_within_the_window(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    event, body, data = payload("pull_request/opened.json")
    emulated_repo("Codertocat/Hello-World", FILES, aliases={data["pull_request"]["head"]["sha"]: "HEAD"})
    harness = dockgate()
    ping_event, ping, _ = payload("ping/with-app_id.json")
    github_emulator.hook_sender = lambda headers, raw: 200
    for _ in range(60):  # older than the window: listed on the last page, never read
        github_emulator.deliver(ping_event, ping)
    four_days_ago = iso(time.time() - 4 * 24 * 3600)
    for delivery in github_emulator.deliveries:
        delivery["delivered_at"] = four_days_ago
    github_emulator.hook_sender = lambda headers, raw: 503  # Redis was down
    github_emulator.deliver(event, body)
    github_emulator.hook_sender = lambda headers, raw: 200
    for _ in range(120):  # newer deliveries push the failed one to the second page
        github_emulator.deliver(ping_event, ping)
    github_emulator.hook_sender = harness.hook_sender

    assert maintenance.sweep_deliveries() == {"redelivered": 1}
    assert len(github_emulator.calls("apps/list-webhook-deliveries")) == 2  # stopped at the window
    _settle(github_emulator, 182)
    latest = github_emulator.deliveries[0]
    assert latest["redelivery"] and latest["status_code"] == 202 and latest["event"] == "pull_request"
    harness.work()
    [run] = github_emulator.check_runs.values()
    assert (run["status"], run["conclusion"]) == ("completed", "neutral")


def test_a_failed_redelivery_is_retried_on_later_sweeps_up_to_a_bound(
    dockgate: Callable, github_emulator: Emulator
) -> None:
    harness = dockgate()
    event, body, _ = payload("pull_request/opened.json")
    release = threading.Event()

    def still_down(headers: dict[str, str], raw: bytes) -> int:
        release.wait(10)
        return 503

    github_emulator.hook_sender = lambda headers, raw: 503
    github_emulator.deliver(event, body)
    github_emulator.hook_sender = still_down
    assert maintenance.sweep_deliveries() == {"redelivered": 1}
    # Its redelivery is in flight (not listed yet): a sweep now must not redeliver it again.
    assert maintenance.sweep_deliveries() == {"redelivered": 0}
    release.set()
    _settle(github_emulator, 2)
    for attempt in range(2, maintenance.MAX_REDELIVERIES + 1):
        assert maintenance.sweep_deliveries() == {"redelivered": 1}, attempt
        _settle(github_emulator, attempt + 1)
    assert maintenance.sweep_deliveries() == {"redelivered": 0}  # bound reached: left for a human
    guid = github_emulator.deliveries[0]["guid"]
    assert int(harness.redis.get(maintenance.ATTEMPTS_KEY.format(guid=guid))) == maintenance.MAX_REDELIVERIES
    assert len(github_emulator.calls("apps/redeliver-webhook-delivery")) == maintenance.MAX_REDELIVERIES
    assert github_emulator.check_runs == {}


def test_a_refused_redelivery_request_is_not_counted(dockgate: Callable, github_emulator: Emulator) -> None:
    from github import GithubException

    harness = dockgate()
    event, body, _ = payload("pull_request/opened.json")
    github_emulator.hook_sender = lambda headers, raw: 503
    github_emulator.deliver(event, body)
    github_emulator.allow_contract_errors = True  # type: ignore[attr-defined]
    github_emulator.inject("apps/redeliver-webhook-delivery", 422, {"message": "Validation Failed"})
    with pytest.raises(GithubException):
        maintenance.sweep_deliveries()  # RQ retries the sweep
    guid = github_emulator.deliveries[0]["guid"]
    assert int(harness.redis.get(maintenance.ATTEMPTS_KEY.format(guid=guid)) or 0) == 0
    assert maintenance.sweep_deliveries() == {"redelivered": 1}
