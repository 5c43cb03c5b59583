"""Dedupe, one build per commit, cancellation of superseded commits, tokens kept out of jobs and logs."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from tests.github_emulator.server import Emulator
from tests.integration.webhooks.conftest import payload, with_head
from workers import queues
from workers.checks import CheckOutcome, CheckRunWriter
from workers.github.auth import GitHubApp

pytestmark = pytest.mark.redis

FILES = {"Dockerfile": "FROM scratch\n"}


def test_redelivery_enqueues_nothing_new(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    event, body, data = payload("pull_request/opened.json")
    emulated_repo("Codertocat/Hello-World", FILES, aliases={data["pull_request"]["head"]["sha"]: "HEAD"})
    harness = dockgate()
    first = harness.post(event, body, delivery="d-1")
    again = harness.post(event, body, delivery="d-1")
    assert first.status_code == 202 and first.json["new"] == len(first.json["jobs"]) == 1
    assert again.status_code == 200 and again.json == {"duplicate": True, "delivery": "d-1", "jobs": []}
    harness.work()
    assert len(github_emulator.check_runs) == 1


def test_push_and_check_suite_for_one_commit_build_once(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    push_event, push_body, push = payload("push/branch-updated.derived.json")
    suite_event, suite_body, suite = payload("check_suite/requested.json")
    sha = push["after"]
    suite["check_suite"]["head_sha"] = sha
    suite["installation"]["id"] = push["installation"]["id"]
    suite["repository"]["full_name"] = push["repository"]["full_name"]
    import json

    emulated_repo(push["repository"]["full_name"], FILES, aliases={sha: "HEAD"})
    harness = dockgate()
    assert harness.post(push_event, push_body).status_code == 202
    assert harness.post(suite_event, json.dumps(suite).encode()).status_code == 202
    harness.work()
    runs = github_emulator.runs(head_sha=sha)
    assert [r["conclusion"] for r in runs] == ["neutral"]
    assert len(github_emulator.calls("repos/get-content")) == 1  # the Dockerfile was read once


def test_newer_commit_cancels_the_older_ones_queued_job(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    event, body, data = payload("pull_request/synchronize.json")
    old, new = data["pull_request"]["head"]["sha"], "1" * 40
    emulated_repo("Codertocat/Hello-World", FILES, aliases={old: "HEAD", new: "HEAD"})
    harness = dockgate()
    harness.post(event, body)
    harness.work(queues.HIGH)  # the old commit's image job is queued, not started
    harness.post(event, with_head(data, new))
    harness.work(queues.HIGH)
    [old_run] = github_emulator.runs(head_sha=old)
    assert (old_run["status"], old_run["conclusion"]) == ("completed", "cancelled")
    harness.work()
    [new_run] = github_emulator.runs(head_sha=new)
    assert new_run["conclusion"] == "neutral"
    assert github_emulator.check_runs[old_run["id"]]["conclusion"] == "cancelled"  # not reopened by its job


def test_tokens_stay_out_of_job_arguments_and_logs(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    event, body, data = payload("pull_request/opened.json")
    emulated_repo(
        "Codertocat/Hello-World",
        {**FILES, "api/Dockerfile": "FROM scratch\n"},
        aliases={data["pull_request"]["head"]["sha"]: "HEAD"},
    )
    harness = dockgate()
    harness.post(event, body)
    harness.work()
    tokens = list(github_emulator.tokens)
    assert len(tokens) == 1  # one token minted, then served from the Redis cache to three jobs
    assert len(github_emulator.calls("apps/create-installation-access-token")) == 1
    for key in harness.redis.keys("rq:job:*"):
        dump = b"".join(v for v in harness.redis.hgetall(key).values())
        assert tokens[0].encode() not in dump and b"ghs_" not in dump
    assert "ghs_" not in caplog.text
    assert harness.redis.get("dockgate:gh-token:1").decode() == tokens[0]
    assert 0 < harness.redis.ttl("dockgate:gh-token:1") <= 3600 - 300


def test_promote_needs_write_permission_checked_through_the_api(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    import json

    event, _, data = payload("check_run/requested_action.json")
    data["requested_action"]["identifier"] = "promote"
    repo = data["repository"]["full_name"]
    emulated_repo(repo, FILES, installation_id=data["installation"]["id"])
    harness = dockgate()
    writer = CheckRunWriter(
        GitHubApp(harness.settings, harness.redis).repository(data["installation"]["id"], repo)
    )
    run_id = writer.create_queued("dockgate/app", data["check_run"]["head_sha"], external_id="j")
    writer.complete(run_id, CheckOutcome("success", "Passed", "all checks passed"))
    data["check_run"].update(name="dockgate/app", id=run_id)
    sender = data["sender"]["login"]
    results = {}
    for level in ("read", "write"):
        github_emulator.permissions[(repo, sender)] = level
        response = harness.post(event, json.dumps(data).encode())
        [job_id] = response.json["jobs"]
        harness.work()
        results[level] = queues.fetch(harness.redis, job_id).return_value()
    # Authorized, but this deployment has no production registry: the gate says so on its own check run.
    assert results == {"read": "refused", "write": "unavailable"}
    promotion = [r for r in github_emulator.check_runs.values() if r["name"] == "dockgate/promote/app"]
    assert [r["conclusion"] for r in promotion] == ["neutral"]
    assert not promotion[0].get("actions")  # "Re-run" re-plans image checks: no use on a promotion run
    assert queues.active_runs(harness.redis) == {}
    run = github_emulator.check_runs[run_id]
    assert run["conclusion"] == "success" and run["output"]["title"] == "Passed"
    assert run["output"]["summary"].endswith(
        f"Promotion requested by @{sender} was refused: it needs write permission on {repo}."
    )
    assert len(github_emulator.calls("repos/get-collaborator-permission-level")) == 2


def test_running_job_of_a_superseded_commit_stops_as_cancelled(
    dockgate: Callable, github_emulator: Emulator, emulated_repo: Callable
) -> None:
    event, body, data = payload("pull_request/synchronize.json")
    sha = data["pull_request"]["head"]["sha"]
    emulated_repo("Codertocat/Hello-World", FILES, aliases={sha: "HEAD"})
    harness = dockgate(image_pipeline="tests.integration.webhooks.pipelines:superseded")
    harness.post(event, body)
    harness.work()
    [run] = github_emulator.runs(head_sha=sha)
    assert (run["status"], run["conclusion"]) == ("completed", "cancelled")
    assert "building" in run["titles"] and "scanning" not in run["titles"]
    assert queues.active_runs(harness.redis) == {}


def test_rerun_delivery_stores_again_only_a_job_whose_run_is_over(dockgate: Callable) -> None:
    event, body, _ = payload("installation/created.json")  # its job asks for a rerun
    harness = dockgate()
    first = harness.post(event, body)
    [jid] = first.json["jobs"]
    assert first.status_code == 202 and first.json["new"] == 1
    queued = harness.post(event, body)  # same job, still queued: left alone, not queued twice
    assert queued.status_code == 202 and queued.json["new"] == 0
    assert harness.redis.lrange(f"rq:queue:{queues.LOW}", 0, -1) == [jid.encode()]
    harness.work()
    assert queues.fetch(harness.redis, jid).get_status() == "finished"
    again = harness.post(event, body)  # its run is over: deleted and stored again under the same id
    assert again.status_code == 202 and again.json["new"] == 1
    assert queues.fetch(harness.redis, jid).get_status() == "queued"
    assert harness.redis.lrange(f"rq:queue:{queues.LOW}", 0, -1) == [jid.encode()]
    harness.work()
    assert queues.fetch(harness.redis, jid).get_status() == "finished"
