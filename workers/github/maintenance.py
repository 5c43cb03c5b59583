"""Low-priority periodic jobs: the check-run janitor and the webhook redelivery sweeper.

The janitor makes "never left in progress" hold even when a worker is SIGKILLed or a failure
callback could not reach GitHub. The sweeper makes a Redis outage lossless: deliveries we answered
503 are listed through the App's hook-deliveries API and redelivered once.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from rq.job import JobStatus
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from workers import queues
from workers.checks import RERUN, Conclusion
from workers.jobs import runtime, writer_for

logger = logging.getLogger(__name__)

REDELIVERED_KEY = "dockgate:redelivered:{guid}"
_ENDINGS: dict[str, tuple[Conclusion, str]] = {
    JobStatus.FAILED: ("failure", "the job failed and has no retry left"),
    JobStatus.STOPPED: ("cancelled", "the job was stopped"),
    JobStatus.CANCELED: ("cancelled", "the job was cancelled"),
    JobStatus.FINISHED: ("failure", "the job finished without completing its check run"),
}


def janitor(*, now: float | None = None) -> dict[str, int]:
    """RQ job: fail abandoned jobs (dead workers), then complete every open run whose job is over.

    `now` moves the abandonment horizon (RQ considers a job abandoned once its worker's heartbeat,
    monitoring interval + 60 s, has lapsed).
    """
    rt = runtime()

    def sweep(queue: Any) -> None:
        StartedJobRegistry(queue=queue, serializer=JSONSerializer).cleanup(timestamp=now)

    queues.for_each_queue(rt.redis, sweep)
    closed = 0
    for run_id, record in queues.active_runs(rt.redis).items():
        job = queues.fetch(rt.redis, record["job_id"])
        status = job.get_status() if job is not None else None
        if status is not None and status not in _ENDINGS:
            continue
        conclusion, reason = _ENDINGS.get(str(status), ("failure", "the job was lost"))
        writer = writer_for(rt, int(record["installation_id"]), str(record["repository"]))
        if writer.status(run_id) != "completed":
            writer.finish(
                run_id,
                conclusion,
                "dockgate could not finish this check",
                f"Closed by the janitor: {reason}.",
                actions=(RERUN,) if record.get("rerun", True) else (),
            )
            closed += 1
        queues.forget_run(rt.redis, run_id)
    logger.info("janitor closed %d orphaned check run(s)", closed)
    return {"closed": closed}


def sweep_deliveries(*, window_seconds: int = 3 * 24 * 3600) -> dict[str, int]:
    """RQ job: redeliver recent failed webhook deliveries we never processed (once per delivery)."""
    rt = runtime()
    requester = rt.github.integration().requester
    _, listing = requester.requestJsonAndCheck("GET", "/app/hook/deliveries", parameters={"per_page": 100})
    attempts: dict[str, list[dict[str, Any]]] = {}
    for delivery in listing if isinstance(listing, list) else []:
        attempts.setdefault(str(delivery["guid"]), []).append(delivery)
    redelivered = 0
    horizon = time.time() - window_seconds
    for guid, tries in attempts.items():
        if any(200 <= int(t.get("status_code") or 0) < 300 for t in tries):
            continue
        if queues.delivery_seen(rt.redis, guid) or _older_than(tries, horizon):
            continue
        if not rt.redis.set(REDELIVERED_KEY.format(guid=guid), "1", nx=True, ex=3 * 24 * 3600):
            continue
        latest = max(tries, key=lambda t: str(t.get("delivered_at", "")))
        requester.requestJsonAndCheck("POST", f"/app/hook/deliveries/{int(latest['id'])}/attempts")
        logger.info("redelivered webhook delivery", extra={"delivery_id": guid})
        redelivered += 1
    return {"redelivered": redelivered}


def _older_than(tries: list[dict[str, Any]], horizon: float) -> bool:
    from datetime import datetime

    stamps = [
        datetime.fromisoformat(str(t["delivered_at"]).replace("Z", "+00:00")).timestamp() for t in tries
    ]
    return max(stamps) < horizon
