"""The Redis hash RQ stores for a queued job, built without RQ's `Job` and `Queue` objects.

The webhook answers only once its jobs are in Redis, so building them is on every delivery's
path; RQ's `Queue.create_job` + `_build_hset_args` cost ~0.2 ms a job. :func:`hash_fields` gives
the same field/value pairs that `_build_hset_args(job)` gives for a job that `queues._create`
made from the same :class:`~workers.queues.JobSpec` and `Queue._prepare_for_queue` readied
(JSON serializer, no args, no dependencies, no meta, no ttl). Written against RQ 2.12;
`tests/unit/foundation/test_rqjob.py` compares it field for field with the installed RQ's own
output, so an RQ upgrade that changes the record fails that test, not production.
"""

from __future__ import annotations

import datetime
import json
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from rq.defaults import CALLBACK_TIMEOUT

RESULT_TTL = 24 * 3600
FAILURE_TTL = 7 * 24 * 3600
_TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%fZ"  # rq.utils.utcformat
JOB_KEY = "rq:job:{job_id}"
QUEUE_KEY = "rq:queue:{queue}"


def timestamp(moment: datetime.datetime | None = None) -> str:
    """RQ's text form of a UTC time (`created_at`, `enqueued_at`)."""
    return (moment or datetime.datetime.now(datetime.UTC)).strftime(_TIMESTAMP)


def hash_fields(
    *,
    queue: str,
    func: str,
    kwargs: Mapping[str, Any],
    timeout: int,
    retries: Sequence[int],
    on_failure: str | None,
    description: str,
    now: str,
) -> list[str | bytes]:
    """`HSET` field/value pairs of a queued RQ job calling `func(**kwargs)` (see the module doc)."""
    data = json.dumps([func, None, [], dict(kwargs)]).encode("utf-8")  # RQ's JSONSerializer
    fields: list[str | bytes] = [
        "created_at", now,
        "data", zlib.compress(data),
        "success_callback_name", "",
        "failure_callback_name", on_failure or "",
        "stopped_callback_name", "",
        "started_at", "",
        "ended_at", "",
        "last_heartbeat", "",
        "worker_name", "",
        "group_id", "",
    ]  # fmt: skip
    if retries:
        fields += ["retries_left", str(len(retries)), "retry_intervals", json.dumps(list(retries))]
    fields += ["origin", queue, "description", description, "enqueued_at", now, "timeout", str(timeout)]
    if on_failure:
        fields += ["failure_callback_timeout", str(CALLBACK_TIMEOUT)]
    fields += ["result_ttl", str(RESULT_TTL), "failure_ttl", str(FAILURE_TTL), "status", "queued"]
    return fields
