"""Low-priority periodic jobs: the check-run janitor and the webhook redelivery sweeper.

The janitor makes "never left in progress" hold even when a worker is SIGKILLed or a failure
callback could not reach GitHub. The sweeper makes a Redis outage lossless: deliveries we answered
503 are listed through the App's hook-deliveries API (every page within the window) and
redelivered, again after a failed redelivery, up to a bound recorded in Redis.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rq.job import JobStatus
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from workers import queues
from workers.checks import RERUN, Conclusion
from workers.jobs import runtime, writer_for

logger = logging.getLogger(__name__)

REDELIVERY_WINDOW = 3 * 24 * 3600  # GitHub lists (and redelivers) deliveries of the last 3 days
MAX_REDELIVERIES = 5  # per delivery: then it stays failed on GitHub for a human to look at
MAX_PAGES = 100  # of 100 deliveries: a bound on one sweep, not expected to be reached
REDELIVERED_KEY = "dockgate:redelivered:{guid}:{attempt}"  # claimed once per redelivery
ATTEMPTS_KEY = "dockgate:redeliveries:{guid}"  # how many redeliveries the sweeper asked for
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


def sweep_deliveries(*, window_seconds: int = REDELIVERY_WINDOW) -> dict[str, int]:
    """RQ job: redeliver recent failed webhook deliveries we never processed.

    Every page of the App's deliveries within the window is read. A delivery whose redelivery
    failed too is redelivered again on a later sweep, at most :data:`MAX_REDELIVERIES` times; one
    whose redelivery is still in flight (its attempt not listed yet) is left alone.
    """
    rt = runtime()
    requester = rt.github.integration().requester
    horizon = time.time() - window_seconds
    redelivered = 0
    for guid, tries in _recent_deliveries(requester, horizon).items():
        if any(200 <= int(t.get("status_code") or 0) < 300 for t in tries):
            continue
        if queues.delivery_seen(rt.redis, guid) or _latest_stamp(tries) < horizon:
            continue
        counter = ATTEMPTS_KEY.format(guid=guid)
        asked = int(rt.redis.get(counter) or 0)  # type: ignore[arg-type]
        if len(tries) <= asked:
            continue  # our last redelivery is still in flight: its attempt is not listed yet
        if asked >= MAX_REDELIVERIES:
            logger.warning(
                "webhook delivery still failing after %d redeliveries", asked, extra={"delivery_id": guid}
            )
            continue
        attempt = asked + 1
        claim = REDELIVERED_KEY.format(guid=guid, attempt=attempt)
        if not rt.redis.set(claim, "1", nx=True, ex=REDELIVERY_WINDOW):
            continue  # a concurrent sweep asked for this redelivery
        _adjust(rt.redis, counter, +1)
        latest = max(tries, key=lambda t: str(t.get("delivered_at", "")))
        try:
            requester.requestJsonAndCheck("POST", f"/app/hook/deliveries/{int(latest['id'])}/attempts")
        except Exception:
            rt.redis.delete(claim)  # not asked after all
            _adjust(rt.redis, counter, -1)
            raise
        logger.info("redelivered webhook delivery (attempt %d)", attempt, extra={"delivery_id": guid})
        redelivered += 1
    return {"redelivered": redelivered}


def _adjust(connection: Any, counter: str, by: int) -> None:
    pipe = connection.pipeline()
    pipe.incrby(counter, by)
    pipe.expire(counter, REDELIVERY_WINDOW)
    pipe.execute()


def _recent_deliveries(requester: Any, horizon: float) -> dict[str, list[dict[str, Any]]]:
    """Every listed attempt since `horizon`, by delivery GUID, following the `Link` header's cursor."""
    attempts: dict[str, list[dict[str, Any]]] = {}
    params: dict[str, Any] = {"per_page": 100}
    for _ in range(MAX_PAGES):
        headers, listing = requester.requestJsonAndCheck("GET", "/app/hook/deliveries", parameters=params)
        page = listing if isinstance(listing, list) else []
        for delivery in page:
            attempts.setdefault(str(delivery["guid"]), []).append(delivery)
        cursor = _next_cursor(headers)
        if cursor is None or not page or _latest_stamp(page[-1:]) < horizon:
            break  # newest first: the rest of the pages are older still
        params = {"per_page": 100, "cursor": cursor}
    else:
        logger.warning("stopped listing webhook deliveries after %d pages", MAX_PAGES)
    return attempts


def _next_cursor(headers: Any) -> str | None:
    """The `cursor` of the `rel="next"` link of a listing, if there is a next page."""
    link = {str(k).lower(): str(v) for k, v in dict(headers or {}).items()}.get("link", "")
    match = re.search(r'<([^>]+)>\s*;\s*rel="next"', link)
    if match is None:
        return None
    cursor = parse_qs(urlsplit(match.group(1)).query).get("cursor")
    return cursor[-1] if cursor else None


def _latest_stamp(tries: list[dict[str, Any]]) -> float:
    return max(
        datetime.fromisoformat(str(t["delivered_at"]).replace("Z", "+00:00")).timestamp() for t in tries
    )
