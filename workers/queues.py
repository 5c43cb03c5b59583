"""Queues, deterministic job ids and the small Redis records around them.

Three queues: `dockgate-high` (plan a commit, create `queued` check runs, cancel superseded work:
seconds), `dockgate-default` (one image's pipeline: minutes), `dockgate-low` (janitor, redelivery
sweeper). Jobs are JSON-serialized (never pickle) and their ids are derived from what they work on,
so a `push` and a `check_suite` for the same commit enqueue one job, not two.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from rq import Callback, Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from workers import rqjob
from workers.redis_script import PerThreadScript

logger = logging.getLogger(__name__)

HIGH, DEFAULT, LOW = "dockgate-high", "dockgate-default", "dockgate-low"
QUEUE_NAMES = (HIGH, DEFAULT, LOW)
DELIVERY_KEY = "dockgate:delivery:{delivery_id}"
DELIVERY_TTL_SECONDS = 3 * 24 * 3600 + 3600  # GitHub redelivers for 3 days; keep a margin
PR_HEAD_KEY = "dockgate:pr-head:{repository}#{number}"
PR_JOBS_KEY = "dockgate:pr-jobs:{repository}#{number}"
ACTIVE_RUNS_KEY = "dockgate:active-runs"
DONE = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


def connect(url: str, *, timeout: float = 2.0) -> redis.Redis:
    """A Redis client that fails fast: a webhook must answer 503 quickly when Redis is down."""
    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)


_QUEUES: dict[tuple[str, int], Queue] = {}


def queue(name: str, connection: redis.Redis) -> Queue:
    """One of :data:`QUEUE_NAMES`, JSON-serialized (cached per connection: RQ asks INFO once per queue)."""
    key = (name, id(connection))
    cached = _QUEUES.get(key)
    if cached is None or cached.connection is not connection:
        cached = _QUEUES[key] = Queue(name, connection=connection, serializer=JSONSerializer)
    return cached


def job_id(kind: str, *parts: object) -> str:
    """A deterministic RQ job id (RQ allows only `[A-Za-z0-9_-]`)."""
    digest = hashlib.sha256("\0".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f"{kind}-{digest}"


@dataclass(frozen=True)
class JobSpec:
    """Everything needed to enqueue one job; built by routers without touching Redis."""

    queue: str
    func: str
    job_id: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    timeout: int = 600
    retries: tuple[int, ...] = (0, 30, 120)
    on_failure: str | None = None
    description: str = ""
    rerun: bool = False


def fetch(connection: redis.Redis, jid: str) -> Job | None:
    """The job with this id, or None when it never existed or has expired."""
    try:
        return Job.fetch(jid, connection=connection, serializer=JSONSerializer)
    except NoSuchJobError:
        return None


def _create(connection: redis.Redis, spec: JobSpec) -> tuple[Queue, Job]:
    retry = Retry(max=len(spec.retries), interval=list(spec.retries)) if spec.retries else None
    q = queue(spec.queue, connection)
    job = q.create_job(
        spec.func,
        kwargs=dict(spec.kwargs),
        job_id=spec.job_id,
        timeout=spec.timeout,
        retry=retry,
        on_failure=Callback(spec.on_failure) if spec.on_failure else None,
        description=spec.description or spec.func,
        result_ttl=rqjob.RESULT_TTL,
        failure_ttl=rqjob.FAILURE_TTL,
    )
    return q, job


def submit(connection: redis.Redis, spec: JobSpec, *, rerun: bool | None = None, delay: float = 0.0) -> bool:
    """Enqueue `spec` unless a job with its id exists; True when a new job was stored.

    With `rerun`, a finished, failed or cancelled job of the same id is deleted first so the work
    runs again under the same id; a queued or running one is left alone. With `delay` (seconds),
    the job is scheduled instead (a worker's scheduler enqueues it then), e.g. after `Retry-After`.
    """
    if rerun is None:
        rerun = spec.rerun
    if rerun and (old := fetch(connection, spec.job_id)) is not None and old.get_status() in DONE:
        old.delete()
    q, job = _create(connection, spec)
    try:
        if delay > 0:
            q.schedule_job(job, datetime.now(UTC) + timedelta(seconds=delay), unique=True)
        else:
            q.enqueue_job(job, unique=True)
    except DuplicateJobError:
        logger.info("job %s already exists", spec.job_id, extra={"job_id": spec.job_id})
        return False
    return True


# One round trip for a webhook: claim the delivery id, then store and push each job whose id is new
# (the check, save and push RQ's unique enqueue does, for several jobs, atomically). A rerun job
# whose old run is over is left for `submit` to delete and store again; the script returns
# {stored, 1-based indexes of those specs}, or {-1} for a delivery seen before.
_DELIVERY_SCRIPT = """
if redis.call("SET", KEYS[1], "1", "NX", "EX", ARGV[1]) == false then return {-1} end
local done = {DONE_STATUSES}
local result, stored, a, k, i = {0}, 0, 2, 2, 0
while k <= #KEYS do
  local n = tonumber(ARGV[a])
  i = i + 1
  if redis.call("EXISTS", KEYS[k]) == 0 then
    redis.call("HSET", KEYS[k], unpack(ARGV, a + 3, a + 2 + n))
    redis.call("SADD", "rq:queues", KEYS[k + 1])
    redis.call("RPUSH", KEYS[k + 1], ARGV[a + 1])
    stored = stored + 1
  elseif ARGV[a + 2] == "1" and done[redis.call("HGET", KEYS[k], "status")] then
    result[#result + 1] = i
  end
  a, k = a + 3 + n, k + 2
end
result[1] = stored
return result
""".replace("DONE_STATUSES", ", ".join(f'["{status.value}"] = true' for status in sorted(DONE)))


_SCRIPTS: dict[int, PerThreadScript] = {}


def enqueue_delivery(connection: redis.Redis, delivery_id: str, specs: list[JobSpec]) -> int | None:
    """Claim `delivery_id` and enqueue `specs` in one atomic round trip; None for a seen delivery.

    Jobs whose id already exists are left alone (a push and a check_suite for one commit), except
    that a spec asking for a rerun of a finished, failed or cancelled job goes on to
    :func:`submit`, which deletes the old job first; if that fails, the delivery is released so
    GitHub's redelivery runs it again.
    """
    keys: list[str] = [DELIVERY_KEY.format(delivery_id=delivery_id)]
    args: list[Any] = [DELIVERY_TTL_SECONDS]
    now = rqjob.timestamp()
    for spec in specs:
        fields = rqjob.hash_fields(
            queue=spec.queue,
            func=spec.func,
            kwargs=spec.kwargs,
            timeout=spec.timeout,
            retries=spec.retries,
            on_failure=spec.on_failure,
            description=spec.description or spec.func,
            now=now,
        )
        keys += [rqjob.JOB_KEY.format(job_id=spec.job_id), rqjob.QUEUE_KEY.format(queue=spec.queue)]
        args += [len(fields), spec.job_id, "1" if spec.rerun else "0", *fields]
    script = _SCRIPTS.get(id(connection))
    if script is None or script.client is not connection:
        script = _SCRIPTS[id(connection)] = PerThreadScript(connection, _DELIVERY_SCRIPT)
    stored, *reruns = (int(n) for n in script(keys=keys, args=args))
    if stored < 0:
        return None
    try:
        return stored + sum(submit(connection, specs[i - 1], rerun=True) for i in reruns)
    except BaseException:
        release_delivery(connection, delivery_id)
        raise


def claim_delivery(connection: redis.Redis, delivery_id: str) -> bool:
    """Record a webhook delivery id; False when it was seen in the last three days."""
    key = DELIVERY_KEY.format(delivery_id=delivery_id)
    return bool(connection.set(key, "1", nx=True, ex=DELIVERY_TTL_SECONDS))


def release_delivery(connection: redis.Redis, delivery_id: str) -> None:
    """Forget a delivery whose jobs could not be stored, so its redelivery is processed."""
    connection.delete(DELIVERY_KEY.format(delivery_id=delivery_id))


def delivery_seen(connection: redis.Redis, delivery_id: str) -> bool:
    """Whether this delivery was processed (its jobs stored)."""
    return bool(connection.exists(DELIVERY_KEY.format(delivery_id=delivery_id)))


def mark_pr_head(connection: redis.Redis, repository: str, number: int, sha: str) -> None:
    """Remember the newest head commit of a pull request (older commits' jobs are superseded)."""
    connection.set(PR_HEAD_KEY.format(repository=repository, number=number), sha, ex=30 * 24 * 3600)


def is_superseded(connection: redis.Redis, repository: str, number: int | None, sha: str) -> bool:
    """Whether a newer commit was pushed to this pull request since `sha`."""
    if number is None:
        return False
    head = connection.get(PR_HEAD_KEY.format(repository=repository, number=number))
    return isinstance(head, bytes) and head.decode() != sha


def pr_jobs(connection: redis.Redis, repository: str, number: int) -> PrJobs:
    """The image jobs ever enqueued for a pull request (to cancel superseded ones)."""
    return PrJobs(connection, PR_JOBS_KEY.format(repository=repository, number=number))


@dataclass(frozen=True)
class PrJobs:
    """A Redis set of job ids, one per (commit, image) of a pull request."""

    connection: redis.Redis
    key: str

    def add(self, jid: str) -> None:
        self.connection.sadd(self.key, jid)
        self.connection.expire(self.key, 30 * 24 * 3600)

    def members(self) -> list[str]:
        return sorted(m.decode() for m in self.connection.smembers(self.key))  # type: ignore[union-attr]

    def discard(self, jid: str) -> None:
        self.connection.srem(self.key, jid)


def for_each_queue(connection: redis.Redis, visit: Callable[[Queue], None]) -> None:
    """Apply `visit` to each dockgate queue (janitor registry cleanup)."""
    for name in QUEUE_NAMES:
        visit(queue(name, connection))


def track_run(connection: redis.Redis, check_run_id: int, record: Mapping[str, Any]) -> None:
    """Remember a check run we left open, so the janitor can close it if its job is lost."""
    connection.hset(ACTIVE_RUNS_KEY, str(check_run_id), json.dumps(dict(record)))


def run_record(connection: redis.Redis, check_run_id: int) -> dict[str, Any] | None:
    """The record of one open check run we track (None once it is completed)."""
    raw = connection.hget(ACTIVE_RUNS_KEY, str(check_run_id))
    return json.loads(raw) if isinstance(raw, bytes) else None


def forget_run(connection: redis.Redis, check_run_id: int) -> None:
    """The run is completed: nothing left for the janitor."""
    connection.hdel(ACTIVE_RUNS_KEY, str(check_run_id))


def active_runs(connection: redis.Redis) -> dict[int, dict[str, Any]]:
    """Every open check run we track, by id."""
    raw: Mapping[bytes, bytes] = connection.hgetall(ACTIVE_RUNS_KEY)  # type: ignore[assignment]
    return {int(k): json.loads(v) for k, v in raw.items()}
