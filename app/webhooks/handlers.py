"""The routing table: which deliveries become which jobs.

Read only the fields needed (GitHub's payloads drift from its own schemas). Fork pull requests
are untrusted: the job gets `trusted=False`, so the pipeline must not hand them secrets or promote.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.webhooks.routing import Payload, Router
from workers import queues
from workers.queues import JobSpec

ZERO_SHA = "0" * 40
CHECK_PREFIX = "dockgate/"
PROMOTE_PREFIX = "dockgate/promote/"
router = Router()


def _installation(payload: Payload) -> int | None:
    inst = payload.get("installation") or {}
    return int(inst["id"]) if isinstance(inst, Mapping) and inst.get("id") is not None else None


def plan(
    payload: Payload,
    *,
    sha: str,
    ref: str | None,
    pull_request: int | None,
    trusted: bool,
    clone_url: str,
    only_image: str | None = None,
    rerun: bool = False,
    verify_trust: bool = False,
    trust_branch: str | None = None,
) -> list[JobSpec]:
    """One high-priority planning job for (repository, commit[, pull request])."""
    installation = _installation(payload)
    repository = str((payload.get("repository") or {}).get("full_name") or "")
    if installation is None or not repository or len(sha) != 40 or sha == ZERO_SHA:
        return []
    kwargs: dict[str, Any] = {
        "installation_id": installation,
        "repository": repository,
        "head_sha": sha,
        "ref": ref,
        "pull_request": pull_request,
        "trusted": trusted,
        "clone_url": clone_url,
        "only_image": only_image,
        "rerun": rerun,
    }
    if verify_trust:
        kwargs |= {"verify_trust": True, "trust_branch": trust_branch}
    return [
        JobSpec(
            queue=queues.HIGH,
            func="workers.github.commits.plan_commit",
            job_id=queues.job_id("plan", repository, sha, pull_request or "", only_image or ""),
            kwargs=kwargs,
            timeout=300,
            rerun=rerun,
            description=f"plan {repository}@{sha[:12]}",
        )
    ]


@router.register("pull_request", "opened", "synchronize", "reopened")
def pull_request(payload: Payload) -> list[JobSpec]:
    pr = payload["pull_request"]
    head_repo = (pr.get("head") or {}).get("repo") or {}
    base_name = (payload.get("repository") or {}).get("full_name")
    trusted = (
        bool(head_repo) and head_repo.get("full_name") == base_name and not _is_fork_of(head_repo, base_name)
    )
    return plan(
        payload,
        sha=str(pr["head"]["sha"]),
        ref=str(pr["head"].get("ref") or ""),
        pull_request=int(pr["number"]),
        trusted=trusted,
        clone_url=str(head_repo.get("clone_url") or ""),
    )


def _is_fork_of(repo: Payload, base_name: Any) -> bool:
    return bool(repo.get("fork")) and repo.get("full_name") != base_name


@router.register("push")
def push(payload: Payload) -> list[JobSpec]:
    ref = str(payload.get("ref") or "")
    if payload.get("deleted") or payload.get("after") == ZERO_SHA:
        return []
    if not ref.startswith(("refs/heads/", "refs/tags/")):
        return []
    repo = payload.get("repository") or {}
    return plan(
        payload,
        sha=str(payload.get("after") or ""),
        ref=ref,
        pull_request=None,
        trusted=True,
        clone_url=str(repo.get("clone_url") or ""),
    )


@router.register("check_suite", "requested", "rerequested")
def check_suite(payload: Payload) -> list[JobSpec]:
    suite = payload["check_suite"]
    repo = payload.get("repository") or {}
    prs = suite.get("pull_requests") or []
    branch = suite.get("head_branch")
    rerun = payload.get("action") == "rerequested"
    # `requested` follows a push into this repository. A re-run's suite lists no pull requests for a
    # fork's head (GitHub leaves them out), so without any it is decided by the planner, not trusted.
    trusted = _same_repository(prs, repo) if prs else not rerun
    return plan(
        payload,
        sha=str(suite.get("head_sha") or ""),
        ref=f"refs/heads/{branch}" if branch else None,
        pull_request=int(prs[0]["number"]) if prs else None,
        trusted=trusted,
        clone_url=str(repo.get("clone_url") or ""),
        rerun=rerun,
        verify_trust=not prs and rerun,
        trust_branch=str(branch) if branch else None,
    )


@router.register("check_run", "rerequested", "requested_action")
def check_run(payload: Payload) -> list[JobSpec]:
    run = payload["check_run"]
    name = str(run.get("name") or "")
    if not name.startswith(CHECK_PREFIX):
        return []  # a run of another App on the same commit
    if name.startswith(PROMOTE_PREFIX) and not payload.get("requested_action"):
        return []  # GitHub's re-run of a promotion run: promotions are asked for with the button
    identifier = str((payload.get("requested_action") or {}).get("identifier") or "rerun")
    repo = payload.get("repository") or {}
    if identifier != "rerun":
        return _action(payload, run, identifier)
    suite = run.get("check_suite") or {}
    prs = suite.get("pull_requests") or run.get("pull_requests") or []
    branch = suite.get("head_branch")
    return plan(
        payload,
        sha=str(run.get("head_sha") or ""),
        ref=None,
        pull_request=int(prs[0]["number"]) if prs else None,
        trusted=_same_repository(prs, repo) if prs else False,
        clone_url=str(repo.get("clone_url") or ""),
        only_image=name.removeprefix(CHECK_PREFIX),
        rerun=True,
        verify_trust=not prs,
        trust_branch=str(branch) if branch else None,
    )


def _same_repository(prs: list[Payload], repo: Payload) -> bool:
    """Every listed pull request's head is in this repository (not a fork)."""
    return all((p.get("head") or {}).get("repo", {}).get("id") == repo.get("id") for p in prs)


def _action(payload: Payload, run: Payload, identifier: str) -> list[JobSpec]:
    installation = _installation(payload)
    repository = str((payload.get("repository") or {}).get("full_name") or "")
    if installation is None or not repository:
        return []
    kwargs = {
        "installation_id": installation,
        "repository": repository,
        "head_sha": str(run.get("head_sha") or ""),
        "check_run_name": str(run.get("name") or ""),
        "check_run_id": int(run["id"]) if run.get("id") is not None else None,
        "identifier": identifier,
        "sender": str((payload.get("sender") or {}).get("login") or ""),
    }
    jid = queues.job_id("action", repository, run.get("id"), identifier, kwargs["sender"])
    func = "workers.github.commits.requested_action"
    # A promotion copies layers, signatures and attestations: minutes, so not on the high queue; a
    # job that dies still completes its check run (the failure callback).
    return [
        JobSpec(
            queue=queues.DEFAULT,
            func=func,
            job_id=jid,
            kwargs=kwargs,
            timeout=1800,
            on_failure="workers.promotion_job.on_action_failure",
            rerun=True,
        )
    ]


@router.register("installation")
@router.register("installation_repositories")
def installation(payload: Payload) -> list[JobSpec]:
    inst = _installation(payload)
    if inst is None:
        return []
    action = str(payload.get("action") or "")
    kwargs = {"installation_id": inst, "action": action}
    jid = queues.job_id("installation", inst, action)
    func = "workers.github.commits.installation_changed"
    return [
        JobSpec(queue=queues.LOW, func=func, job_id=jid, kwargs=kwargs, timeout=60, retries=(), rerun=True)
    ]
