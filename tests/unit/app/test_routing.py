"""The routing table on GitHub's real payloads: what is planned, what is ignored, and trust."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.webhooks import views
from app.webhooks.handlers import router
from app.webhooks.routing import Router
from workers import queues
from workers.queues import JobSpec

WEBHOOKS = Path(__file__).resolve().parents[4] / "shared" / "github" / "webhooks"


PARSE = {"dict": json.loads, "lazy": views.parse}  # the webhook hands handlers lazy simdjson documents
_parse = json.loads


@pytest.fixture(autouse=True, params=sorted(PARSE))
def payloads_as(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every routing test runs on plain dicts and on the webhook's own lazy documents."""
    global _parse
    _parse = PARSE[request.param]
    yield
    _parse = json.loads


def load(name: str) -> dict[str, Any]:
    return json.loads((WEBHOOKS / name).read_bytes())


def route(event: str, payload: dict[str, Any]) -> list[JobSpec] | None:
    """`router.dispatch` on the payload as the current parser hands it over."""
    return router.dispatch(event, _parse(json.dumps(payload).encode()))


def dispatch(name: str) -> list[JobSpec] | None:
    return route(name.split("/")[0], load(name))


@pytest.mark.parametrize(
    "name",
    [
        "pull_request/opened.json",
        "pull_request/synchronize.json",
        "pull_request/reopened.json",
        "pull_request/opened.ghes-3.5.json",
        "push/with-new-branch.json",
        "push/branch-updated.derived.json",
        "check_suite/requested.json",
        "check_suite/rerequested.json",
        "check_suite/requested.ghes-3.5.json",
    ],
)
def test_builds_are_planned_on_the_high_queue(name: str) -> None:
    specs = dispatch(name)
    assert specs is not None and len(specs) == 1
    spec = specs[0]
    assert (spec.queue, spec.func) == (queues.HIGH, "workers.github.commits.plan_commit")
    assert len(spec.kwargs["head_sha"]) == 40 and spec.kwargs["installation_id"] > 0
    json.dumps(dict(spec.kwargs))  # JSON primitives only: no tokens, no objects


@pytest.mark.parametrize(
    "name",
    [
        "push/branch-deleted.derived.json",  # deletion
        "push/tag-deleted.json",  # deletion
        "push/tag-created.docs-example.json",  # no installation: not delivered to an App
        "check_run/rerequested.json",  # another App's check run
    ],
)
def test_registered_events_that_need_nothing(name: str) -> None:
    assert dispatch(name) == []


@pytest.mark.parametrize(
    "name",
    [
        "pull_request/closed.json",
        "pull_request/labeled.json",
        "check_suite/completed.json",
        "check_run/completed.json",
        "check_run/created.json",
    ],
)
def test_uninteresting_actions_are_not_routed(name: str) -> None:
    assert dispatch(name) is None


def test_fork_pull_requests_are_untrusted_and_clone_the_fork() -> None:
    [spec] = dispatch("pull_request/opened.from-fork.derived.json") or []
    assert spec.kwargs["trusted"] is False
    assert "forker-example/Hello-World" in spec.kwargs["clone_url"]
    assert spec.kwargs["repository"] == "Codertocat/Hello-World"  # report on the base repository
    [same_repo] = dispatch("pull_request/opened.json") or []
    assert same_repo.kwargs["trusted"] is True


def test_pushes_are_trusted_and_keep_the_ref() -> None:
    [spec] = dispatch("push/with-new-branch.json") or []
    assert spec.kwargs["trusted"] is True and spec.kwargs["ref"] == "refs/heads/master"
    assert spec.kwargs["pull_request"] is None


def test_plan_ids_are_deterministic_and_rerequests_rerun() -> None:
    first, second = dispatch("check_suite/requested.json"), dispatch("check_suite/requested.json")
    assert first and second and first[0].job_id == second[0].job_id and not first[0].rerun
    [rerun] = dispatch("check_suite/rerequested.json") or []
    assert rerun.rerun and rerun.kwargs["pull_request"] is not None


def test_rerequested_dockgate_run_replans_only_that_image() -> None:
    payload = load("check_run/rerequested.json")
    payload["check_run"]["name"] = "dockgate/api"
    [spec] = route("check_run", payload) or []
    assert spec.kwargs["only_image"] == "api" and spec.rerun


def test_requested_action_promote_becomes_an_authorization_job() -> None:
    payload = load("check_run/requested_action.json")
    payload["check_run"]["name"] = "dockgate/api"
    payload["requested_action"]["identifier"] = "promote"
    [spec] = route("check_run", payload) or []
    assert spec.func == "workers.github.commits.requested_action"
    assert spec.kwargs["identifier"] == "promote" and spec.kwargs["sender"] == payload["sender"]["login"]


@pytest.mark.parametrize(
    "name",
    [
        "installation/created.json",
        "installation/deleted.json",
        "installation/suspend.json",
        "installation_repositories/added.json",
        "installation_repositories/removed.json",
    ],
)
def test_installation_events_go_to_the_low_queue(name: str) -> None:
    [spec] = dispatch(name) or []
    assert spec.queue == queues.LOW and spec.kwargs["action"] == load(name)["action"]


def test_router_matches_action_then_catch_all() -> None:
    r = Router()
    seen: list[str] = []

    @r.register("e", "a")
    def exact(payload):  # type: ignore[no-untyped-def]
        seen.append("exact")
        return []

    @r.register("e")
    def catch_all(payload):  # type: ignore[no-untyped-def]
        seen.append("all")
        return []

    assert r.dispatch("e", {"action": "a"}) == [] and seen == ["exact", "all"]
    assert r.dispatch("other", {}) is None


def test_reruns_without_pull_requests_leave_trust_to_the_planner() -> None:
    """GitHub lists no pull requests on a fork head's suite: such a re-run is not trusted blindly."""
    payload = load("check_suite/rerequested.json")
    payload["check_suite"]["pull_requests"] = []
    [spec] = route("check_suite", payload) or []
    assert spec.kwargs["trusted"] is False and spec.kwargs["verify_trust"] is True
    assert spec.kwargs["trust_branch"] == payload["check_suite"]["head_branch"]

    pushed = load("check_suite/requested.json")
    pushed["check_suite"]["pull_requests"] = []
    [spec] = route("check_suite", pushed) or []
    assert spec.kwargs["trusted"] is True and "verify_trust" not in spec.kwargs  # a push into this repo

    run = load("check_run/rerequested.json")
    run["check_run"]["name"] = "dockgate/api"
    run["check_run"]["check_suite"]["pull_requests"] = []
    run["check_run"]["pull_requests"] = []
    [spec] = route("check_run", run) or []
    assert spec.kwargs["trusted"] is False and spec.kwargs["verify_trust"] is True


def test_reruns_of_a_fork_pull_request_are_untrusted() -> None:
    payload = load("check_suite/rerequested.json")
    (pr,) = payload["check_suite"]["pull_requests"][:1] or [None]
    assert pr is not None
    pr["head"]["repo"]["id"] = payload["repository"]["id"] + 1  # the head lives in a fork
    payload["check_suite"]["pull_requests"] = [pr]
    [spec] = route("check_suite", payload) or []
    assert spec.kwargs["trusted"] is False and "verify_trust" not in spec.kwargs


def test_promotion_jobs_run_on_the_default_queue_with_a_failure_callback() -> None:
    payload = load("check_run/requested_action.json")
    payload["check_run"]["name"] = "dockgate/api"
    payload["requested_action"]["identifier"] = "promote"
    [spec] = route("check_run", payload) or []
    assert spec.queue == "dockgate-default" and spec.timeout >= 1800
    assert spec.on_failure == "workers.promotion_job.on_action_failure"
    rerun = load("check_run/rerequested.json")
    rerun["check_run"]["name"] = "dockgate/promote/api"
    assert route("check_run", rerun) == []  # GitHub's re-run link on a promotion run
