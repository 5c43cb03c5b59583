"""`workers.rqjob.hash_fields` writes exactly the job record the installed RQ would write.

The webhook stores jobs without building RQ `Job` objects; if an RQ upgrade changes what a job
hash holds, these comparisons fail here rather than the worker failing in production.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import orjson
import pytest
import redis
from redis.connection import Encoder
from rq.queue import Queue
from rq.scripts import _build_hset_args

from app.webhooks.handlers import router
from workers import queues, rqjob
from workers.queues import JobSpec

WEBHOOKS = Path(__file__).resolve().parents[4] / "shared" / "github" / "webhooks"
MOMENT = datetime.datetime(2026, 11, 30, 9, 15, 42, 123456, tzinfo=datetime.UTC)
ENCODER = Encoder("utf-8", "strict", decode_responses=False)


def routed_specs() -> list[JobSpec]:
    """Every job the real payloads route to (plan, rerun, installation: with and without retries)."""
    specs = []
    for path in sorted(WEBHOOKS.glob("*/*.json")):
        specs += router.dispatch(path.parent.name, orjson.loads(path.read_bytes())) or []
    return specs


EXTRA = [
    JobSpec(
        queue=queues.DEFAULT,
        func="workers.jobs.run_image",
        job_id="image-0123",
        kwargs={"repository": "o/r", "unicode": "héllo ✓", "nested": {"a": [1, None, True]}, "f": 1.5},
        timeout=3600,
        retries=(10,),
        on_failure="workers.jobs.on_image_failure",
        description="image o/r app",
    ),
    JobSpec(queue=queues.LOW, func="workers.github.maintenance.janitor", job_id="periodic-1", retries=()),
]


def rq_record(spec: JobSpec, monkeypatch: pytest.MonkeyPatch) -> dict[bytes, bytes]:
    """What RQ itself would HSET for `spec`: `queues._create` + `_prepare_for_queue` + `_build_hset_args`."""
    monkeypatch.setattr("rq.job.now", lambda: MOMENT)
    monkeypatch.setattr("rq.queue.now", lambda: MOMENT)
    monkeypatch.setattr(Queue, "get_redis_server_version", lambda self: (7, 0, 0))
    connection = redis.Redis(host="127.0.0.1", port=1)  # never contacted
    q, job = queues._create(connection, spec)
    q._prepare_for_queue(job)
    assert (job.key, q.key) == (
        rqjob.JOB_KEY.format(job_id=spec.job_id),
        rqjob.QUEUE_KEY.format(queue=spec.queue),
    )
    return pairs(_build_hset_args(job))


def pairs(fields: list) -> dict[bytes, bytes]:
    """Field → value exactly as redis-py puts them on the wire."""
    assert len(fields) % 2 == 0
    encoded = [ENCODER.encode(f) for f in fields]
    record = dict(zip(encoded[::2], encoded[1::2], strict=True))
    assert len(record) == len(fields) // 2  # no field twice
    return record


def ours(spec: JobSpec) -> dict[bytes, bytes]:
    return pairs(
        rqjob.hash_fields(
            queue=spec.queue,
            func=spec.func,
            kwargs=spec.kwargs,
            timeout=spec.timeout,
            retries=spec.retries,
            on_failure=spec.on_failure,
            description=spec.description or spec.func,
            now=rqjob.timestamp(MOMENT),
        )
    )


def test_the_real_payloads_route_to_several_kinds_of_job() -> None:
    specs = routed_specs()
    assert {s.func.rsplit(".", 1)[1] for s in specs} >= {"plan_commit", "installation_changed"}
    assert any(s.retries for s in specs) and any(not s.retries for s in specs)


@pytest.mark.parametrize("spec", routed_specs() + EXTRA, ids=lambda s: s.job_id)
def test_hash_fields_equal_rqs_own_record(spec: JobSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ours(spec) == rq_record(spec, monkeypatch)


def test_the_record_loads_back_as_the_same_rq_job(monkeypatch: pytest.MonkeyPatch) -> None:
    from rq.job import Job
    from rq.serializers import JSONSerializer

    spec = EXTRA[0]
    job = Job(spec.job_id, connection=redis.Redis(host="127.0.0.1", port=1), serializer=JSONSerializer)
    job.restore(ours(spec))
    assert (job.func_name, job.args, job.kwargs) == (spec.func, [], spec.kwargs)
    assert (job.origin, job.timeout, job.retries_left, job.retry_intervals) == (spec.queue, 3600, 1, [10])
    assert job.get_status(refresh=False) == "queued"
    assert job.enqueued_at is not None and job.enqueued_at.replace(tzinfo=datetime.UTC) == MOMENT
    assert job._failure_callback_name == spec.on_failure
