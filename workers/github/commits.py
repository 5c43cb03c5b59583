"""High-priority jobs: plan a commit's image checks, cancel superseded work, authorize actions.

`plan_commit` lists the commit's Git tree through the API, asks `workers.repoconfig` which images
it has, creates one `queued` check run `dockgate/<image>` per image and enqueues one image job per
(repository, commit, image). It runs within a second of the webhook on the high queue, so users
see their checks queued at once even while image jobs wait for a worker.
"""

from __future__ import annotations

import logging
import time

from attestations.errors import ConfigError
from workers import queues
from workers.checks import CheckRunWriter
from workers.github.ratelimit import call_github
from workers.jobs import Runtime, runtime, writer_for
from workers.repoconfig import CONFIG_NAMES, discover_images

logger = logging.getLogger(__name__)

CHECK_PREFIX = "dockgate/"
PERMISSION_RANK = {"none": 0, "read": 1, "triage": 1, "write": 2, "maintain": 3, "admin": 4}


def image_job_id(repository: str, head_sha: str, image: str, ref: str | None = None) -> str:
    """The one job id of an image of a commit: a push and a check_suite share it.

    A tag push gets its own job even when the commit was built already: it is a release, which the
    pipeline promotes under the tag's name (the build itself comes from the cache, same digest).
    """
    if ref and ref.startswith("refs/tags/"):
        return queues.job_id("image", repository, head_sha, image, ref)
    return queues.job_id("image", repository, head_sha, image)


def _paths_and_config(
    rt: Runtime, installation_id: int, repository: str, sha: str
) -> tuple[list[str], str | None]:
    repo = rt.github.repository(installation_id, repository)
    tree = call_github("list the commit's files", lambda: repo.get_git_tree(sha, recursive=True))
    paths = [entry.path for entry in tree.tree if entry.type == "blob"]
    for name in CONFIG_NAMES:
        if name in paths:
            found = call_github("read .dockgate.yml", lambda n=name: repo.get_contents(n, ref=sha))  # type: ignore[misc]
            if not isinstance(found, list):
                return paths, found.decoded_content.decode("utf-8", "replace")
    return paths, None


TRUSTED_COMMIT_KEY = "dockgate:trusted-commit:{repository}@{sha}"
TRUSTED_COMMIT_TTL = 90 * 24 * 3600


def _decide_trust(
    rt: Runtime,
    installation_id: int,
    repository: str,
    head_sha: str,
    trusted: bool,
    verify_trust: bool,
    branch: str | None,
) -> bool:
    key = TRUSTED_COMMIT_KEY.format(repository=repository, sha=head_sha)
    if trusted:
        rt.redis.set(key, "1", ex=TRUSTED_COMMIT_TTL)  # a push or same-repository pull request said so
        return True
    if not verify_trust:
        return False
    if rt.redis.exists(key):
        return True
    if branch:
        from github import UnknownObjectException

        repo = rt.github.repository(installation_id, repository)

        def branch_tip() -> str | None:
            try:
                return str(repo.get_git_ref(f"heads/{branch}").object.sha)
            except UnknownObjectException:  # no such branch here: e.g. it lives in a fork
                return None

        if call_github("read the branch", branch_tip) == head_sha:
            rt.redis.set(key, "1", ex=TRUSTED_COMMIT_TTL)
            return True
    logger.warning(
        "re-run of %s@%s treated as untrusted: not known as this repository's own commit",
        repository,
        head_sha[:12],
        extra={"repo": repository, "sha": head_sha},
    )
    return False


def plan_commit(
    *,
    installation_id: int,
    repository: str,
    head_sha: str,
    ref: str | None,
    pull_request: int | None,
    trusted: bool,
    clone_url: str,
    only_image: str | None = None,
    rerun: bool = False,
    verify_trust: bool = False,
    trust_branch: str | None = None,
) -> list[str]:
    """RQ job: create the queued check runs of a commit and enqueue its image jobs; returns job ids.

    `verify_trust`: the event could not tell whether the commit is the repository's own (a re-run
    GitHub sends without pull requests, as it does for forks); it is trusted only if a trusted event
    planned it before, or if `trust_branch` of this repository points at it now.
    """
    rt = runtime()
    trusted = _decide_trust(rt, installation_id, repository, head_sha, trusted, verify_trust, trust_branch)
    writer = writer_for(rt, installation_id, repository)
    if pull_request is not None:
        queues.mark_pr_head(rt.redis, repository, pull_request, head_sha)
        cancel_superseded(rt, writer, repository, pull_request, head_sha)
    paths, config_text = _paths_and_config(rt, installation_id, repository, head_sha)
    try:
        images = discover_images(paths, config_text)
    except ConfigError as exc:
        run_id = writer.create_queued(
            f"{CHECK_PREFIX}config", head_sha, external_id=queues.job_id("cfg", head_sha)
        )
        writer.finish(run_id, "failure", "Invalid .dockgate.yml", exc.diagnostics())
        return []
    enqueued: list[str] = []
    open_runs: dict[tuple[str, str], int] | None = None  # listed once, when a run is first needed
    for spec in images:
        if only_image is not None and spec.name != only_image:
            continue
        jid = image_job_id(repository, head_sha, spec.name, ref)
        existing = queues.fetch(rt.redis, jid)
        if existing is not None and not (rerun and existing.get_status() in queues.DONE):
            continue  # already planned by another delivery for this commit
        if open_runs is None:
            open_runs = writer.open_runs(head_sha)
        run_id = writer.create_queued(
            CHECK_PREFIX + spec.name, head_sha, external_id=jid, open_runs=open_runs
        )
        record = {
            "installation_id": installation_id,
            "repository": repository,
            "job_id": jid,
            "since": time.time(),
        }
        queues.track_run(rt.redis, run_id, record)
        kwargs = {
            "installation_id": installation_id,
            "repository": repository,
            "clone_url": clone_url,
            "head_sha": head_sha,
            "ref": ref,
            "pull_request": pull_request,
            "trusted": trusted,
            "image": spec.name,
            "dockerfile": spec.dockerfile or f"{spec.context}/Dockerfile",
            "context": spec.context,
            "check_run_id": run_id,
        }
        spec_ = queues.JobSpec(
            queue=queues.DEFAULT,
            func="workers.jobs.run_image",
            job_id=jid,
            kwargs=kwargs,
            timeout=3600,
            on_failure="workers.jobs.on_image_failure",
            description=f"{repository}@{head_sha[:12]} {spec.name}",
        )
        if queues.submit(rt.redis, spec_, rerun=rerun):
            enqueued.append(jid)
            if pull_request is not None:
                queues.pr_jobs(rt.redis, repository, pull_request).add(jid)
    logger.info("planned %d image job(s)", len(enqueued), extra={"repo": repository, "sha": head_sha})
    return enqueued


def cancel_superseded(
    rt: Runtime, writer: CheckRunWriter, repository: str, number: int, head_sha: str
) -> int:
    """Cancel queued jobs of older commits of the pull request; running ones stop at their next step."""
    cancelled = 0
    jobs = queues.pr_jobs(rt.redis, repository, number)
    for jid in jobs.members():
        job = queues.fetch(rt.redis, jid)
        if job is None or job.get_status() in queues.DONE:
            jobs.discard(jid)
            continue
        if job.kwargs.get("head_sha") == head_sha or job.get_status() == "started":
            continue
        job.cancel()
        run_id = int(job.kwargs["check_run_id"])
        writer.finish(
            run_id, "cancelled", "Cancelled: superseded by a newer commit", f"Superseded by {head_sha}."
        )
        queues.forget_run(rt.redis, run_id)
        jobs.discard(jid)
        cancelled += 1
    return cancelled


def may_promote(rt: Runtime, installation_id: int, repository: str, login: str) -> bool:
    """Whether `login` holds at least the configured role (write by default) on the repository."""
    repo = rt.github.repository(installation_id, repository)
    level = call_github("read the sender's permission", lambda: repo.get_collaborator_permission(login))
    return PERMISSION_RANK.get(str(level), 0) >= PERMISSION_RANK[rt.settings.promote_permission]


def requested_action(
    *,
    installation_id: int,
    repository: str,
    head_sha: str,
    check_run_name: str,
    identifier: str,
    sender: str,
    check_run_id: int | None = None,
) -> str:
    """RQ job for a check-run button: `promote` is authorized through the API before anything else.

    A refusal is written on the check run (GitHub shows no other feedback to the clicker). An
    authorized promotion goes through the promotion gate (`workers.promotion_job`), which verifies
    the staging digest again before copying; its outcome is returned ("promoted", "refused", ...).
    """
    rt = runtime()
    image = check_run_name.removeprefix(CHECK_PREFIX)
    if identifier != "promote":
        return "ignored"
    if may_promote(rt, installation_id, repository, sender):
        logger.info("promotion of %s authorized for %s", image, sender, extra={"repo": repository})
        from workers.promotion_job import promote_action

        return promote_action(
            rt, installation_id=installation_id, repository=repository, head_sha=head_sha, image=image
        )
    needed = rt.settings.promote_permission
    logger.warning("promotion refused: %s lacks %s permission", sender, needed, extra={"repo": repository})
    if check_run_id is not None:
        writer = writer_for(rt, installation_id, repository)
        note = f"Promotion requested by @{sender} was refused: it needs {needed} permission on {repository}."
        writer.note(int(check_run_id), note)
    return "refused"


def installation_changed(*, installation_id: int, action: str) -> str:
    """RQ job: drop the cached token of an installation that was deleted, suspended or changed."""
    rt = runtime()
    rt.github.tokens.forget(installation_id)
    logger.info("installation %s: %s", installation_id, action, extra={"installation_id": installation_id})
    return action
