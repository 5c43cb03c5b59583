"""Real payloads → signed POST → Flask → Redis → RQ worker → the emulator's check runs."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.webhooks.signature import sign
from tests.github_emulator.plugin import APP_ID, WEBHOOK_SECRET
from tests.github_emulator.server import Emulator
from tests.integration.webhooks.conftest import Harness, payload
from workers import queues

pytestmark = pytest.mark.redis

DOCKERFILE = "FROM dockgate-base/busybox:1.35\nUSER 1000\n"
FILES = {"Dockerfile": DOCKERFILE, "api/Dockerfile": "FROM scratch\n", "README.md": "hi\n"}


@pytest.fixture
def github_emulator(request: pytest.FixtureRequest, github_app_key: tuple[Path, str]) -> Iterator[Emulator]:
    """The plugin's emulator; parametrize indirectly with a base path (GHES: "/api/v3") to serve under it."""
    emulator = Emulator(
        app_id=APP_ID,
        app_public_key_pem=github_app_key[1],
        installations={1},
        prefix=getattr(request, "param", ""),
        webhook_secret=WEBHOOK_SECRET.encode(),
    )
    emulator.start()
    yield emulator
    emulator.stop()
    if errors := emulator.contract_errors():
        pytest.fail(f"requests/responses outside GitHub's schema: {errors}", pytrace=False)


def head_of(event: str, data: dict) -> str:
    if event == "pull_request":
        return data["pull_request"]["head"]["sha"]
    if event == "check_suite":
        return data["check_suite"]["head_sha"]
    return data["after"]


@pytest.mark.parametrize(
    "name",
    [
        "pull_request/opened.json",
        "pull_request/synchronize.json",
        "pull_request/reopened.json",
        "pull_request/opened.from-fork.derived.json",
        "pull_request/opened.ghes-3.5.json",
        "push/with-new-branch.json",
        "push/branch-updated.derived.json",
        "check_suite/requested.json",
        "check_suite/requested.with-organization.json",
        "check_suite/rerequested.json",
        "check_suite/requested.ghes-3.5.json",
    ],
)
def test_payload_yields_one_completed_run_per_image(
    name: str, dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    event, body, data = payload(name)
    sha = head_of(event, data)
    emulated_repo(
        data["repository"]["full_name"],
        FILES,
        installation_id=data["installation"]["id"],
        aliases={sha: "HEAD"},
    )
    harness = dockgate()
    response = harness.post(event, body)
    assert response.status_code == 202 and len(response.json["jobs"]) == 1

    harness.work("dockgate-high")
    queued = {r["name"]: r for r in github_emulator.runs(head_sha=sha)}
    assert set(queued) == {"dockgate/app", "dockgate/api"}
    assert all(r["status"] == "queued" for r in queued.values())

    harness.work()
    runs = {r["name"]: r for r in github_emulator.runs(head_sha=sha)}
    assert len(runs) == 2
    for run in runs.values():
        assert run["history"][0] == "queued" and "in_progress" in run["history"]
        assert run["status"] == "completed" and run["conclusion"] == "neutral"  # no verdict was computed
    assert "dockgate-base/busybox:1.35" in runs["dockgate/app"]["output"]["summary"]
    assert DOCKERFILE in runs["dockgate/app"]["output"]["text"]
    trust = "untrusted (fork)" if "fork" in name else "trusted branch"
    assert trust in runs["dockgate/api"]["output"]["text"]


@pytest.mark.parametrize(
    "name",
    [
        "pull_request/closed.json",
        "pull_request/labeled.json",
        "push/branch-deleted.derived.json",
        "push/tag-deleted.json",
        "check_run/created.json",
        "check_run/completed.json",
        "check_suite/completed.json",
        "check_run/rerequested.json",
        "check_run/requested_action.json",
    ],
)
def test_payload_that_needs_no_check_run(name: str, dockgate: Callable, github_emulator: Emulator) -> None:
    event, body, _ = payload(name)
    harness = dockgate()
    response = harness.post(event, body)
    assert response.status_code == 202 and "ignored" in response.json
    harness.work()
    assert github_emulator.check_runs == {} and github_emulator.log == []


@pytest.mark.parametrize(
    "name",
    [
        "installation/created.json",
        "installation/deleted.json",
        "installation/suspend.json",
        "installation/created.ghes-3.5.json",
        "installation_repositories/added.json",
        "installation_repositories/removed.json",
    ],
)
def test_installation_events_drop_the_cached_token(
    name: str, dockgate: Callable, github_emulator: Emulator
) -> None:
    event, body, data = payload(name)
    harness = dockgate()
    key = f"dockgate:gh-token:{data['installation']['id']}"
    harness.redis.set(key, "ghs_stale", ex=600)
    assert harness.post(event, body).status_code == 202
    harness.work()
    assert harness.redis.get(key) is None and github_emulator.log == []


@pytest.mark.parametrize("name", ["ping/with-app_id.json", "ping/payload.json"])
def test_ping_answers_200(name: str, dockgate: Callable, github_emulator: Emulator) -> None:
    event, body, data = payload(name)
    harness = dockgate()
    response = harness.post(event, body)
    assert response.status_code == 200 and response.json["zen"] == data["zen"]
    harness.work()
    assert harness.redis.keys("rq:job:*") == [] and github_emulator.log == []


def _completed_runs(harness: Harness, github_emulator: Emulator, sha: str) -> dict[str, dict]:
    harness.work(queues.HIGH)
    queued = {r["name"]: r for r in github_emulator.runs(head_sha=sha)}
    assert set(queued) == {"dockgate/app", "dockgate/api"}
    assert all(r["status"] == "queued" for r in queued.values())
    harness.work()
    runs = {r["name"]: r for r in github_emulator.runs(head_sha=sha)}
    assert {(r["status"], r["conclusion"]) for r in runs.values()} == {("completed", "neutral")}
    assert all(r["history"][0] == "queued" and "in_progress" in r["history"] for r in runs.values())
    return runs


def test_tag_push_plans_a_build(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    event, body, data = payload("push/tag-created.docs-example.json")
    sha, repo = data["after"], data["repository"]["full_name"]
    emulated_repo(repo, FILES, aliases={sha: "HEAD"})
    harness = dockgate()
    # As published (a repository webhook's shape, no `installation`): no installation to act as.
    response = harness.post(event, body)
    assert response.status_code == 202 and response.json["ignored"] == "push"
    # As a GitHub App receives it: with the installation it was delivered for.
    as_app = json.dumps({**data, "installation": {"id": 1}}).encode()
    response = harness.post(event, as_app)
    assert response.status_code == 202 and len(response.json["jobs"]) == 1
    runs = _completed_runs(harness, github_emulator, sha)
    assert "dockgate-base/busybox:1.35" in runs["dockgate/app"]["output"]["summary"]
    [plan] = [queues.fetch(harness.redis, j) for j in response.json["jobs"]]
    assert plan.kwargs["ref"] == "refs/tags/simple-tag" and plan.kwargs["trusted"] is True


@pytest.mark.parametrize("github_emulator", ["/api/v3"], indirect=True)
@pytest.mark.parametrize("name", ["pull_request/opened.ghes-3.5.json", "check_suite/requested.ghes-3.5.json"])
def test_github_enterprise_server_api_prefix(
    name: str, dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    event, body, data = payload(name)
    sha = head_of(event, data)
    emulated_repo(data["repository"]["full_name"], FILES, installation_id=5, aliases={sha: "HEAD"})
    harness = dockgate()
    assert harness.settings.github_api_url.endswith("/api/v3")
    assert harness.post(event, body).status_code == 202
    _completed_runs(harness, github_emulator, sha)
    assert github_emulator.log and all(e["path"].startswith("/api/v3/") for e in github_emulator.log)
    assert {"apps/create-installation-access-token", "checks/create", "checks/update"} <= {
        e["op"] for e in github_emulator.log
    }


def _headers(event: str, delivery: str, signature: str | None) -> dict[str, str]:
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return headers


@pytest.mark.parametrize(
    ("fault", "status"),
    [("wrong signature", 401), ("no signature", 401), ("oversized", 413), ("malformed JSON", 400)],
)
def test_refused_delivery_stores_nothing_and_its_valid_redelivery_is_processed(
    fault: str, status: int, dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    event, body, data = payload("pull_request/opened.json")
    sha = data["pull_request"]["head"]["sha"]
    emulated_repo(data["repository"]["full_name"], FILES, aliases={sha: "HEAD"})
    harness = dockgate()
    secret = str(harness.settings.github_webhook_secret).encode()
    delivery = str(uuid.uuid4())
    sent, signature = body, sign(secret, body)
    if fault == "wrong signature":
        signature = sign(b"not the secret", body)
    elif fault == "no signature":
        signature = None
    elif fault == "oversized":
        sent = body + b" " * (25 * 1024 * 1024)
        signature = sign(secret, sent)
    else:
        sent = body[:-20]
        signature = sign(secret, sent)
    headers = _headers(event, delivery, signature)
    response = harness.client.post("/webhooks/github", data=sent, headers=headers)
    assert response.status_code == status and "error" in response.json
    assert not queues.delivery_seen(harness.redis, delivery)
    assert harness.redis.keys("rq:*") == []
    harness.work()
    assert github_emulator.check_runs == {} and github_emulator.log == []

    response = harness.post(event, body, delivery=delivery)  # GitHub's redelivery, intact
    assert response.status_code == 202 and response.json["new"] == 1
    assert harness.post(event, body, delivery=delivery).json["duplicate"] is True  # and only once
    _completed_runs(harness, github_emulator, sha)
