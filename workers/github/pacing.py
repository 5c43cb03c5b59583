"""Pacing of content-creating GitHub requests, shared by every worker through Redis.

GitHub's secondary rate limits punish bursts of content-creating requests (at most 80 a minute
and 500 an hour, one at a time). PyGithub's `seconds_between_writes` spaces the writes of one
client object only, and sleeps before every write: a commit with three images waited 2 s for its
third `queued` run (bench/checkrun.py), while two workers still wrote at the same moment.

:class:`WritePacer` is a token bucket per installation in Redis, timed by the Redis server's
clock: a burst of :data:`BURST` writes goes at once (a commit's check runs appear together), then
one per `interval` across all workers of the deployment. A caller that must wait is told how long
and sleeps; the bucket is never refilled by waiting callers, so concurrent jobs queue fairly.
Progress steps are optional writes: under pressure they are skipped, so the `queued` runs of new
commits and the verdicts never wait behind the spinner texts of running jobs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import redis

logger = logging.getLogger(__name__)

BURST = 20  # writes that may go at once; a plan of several images, or a verdict with its annotations
RESERVE = BURST // 2  # slots optional writes (progress steps) leave to check-run creations and verdicts
BUCKET_KEY = "dockgate:gh-writes:{installation_id}"

# KEYS[1] the bucket; ARGV[1] interval (ms), ARGV[2] burst, ARGV[3] reserve. Takes one token,
# possibly on credit (a negative balance is the queue of writers already promised a slot), and
# returns the wait in ms; with a reserve > 0 (an optional write) it takes one only if `reserve`
# tokens would be left, and returns -1 otherwise.
_TAKE = """
local now_s = redis.call("TIME")
local now = tonumber(now_s[1]) * 1000 + math.floor(tonumber(now_s[2]) / 1000)
local interval, burst, reserve = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call("HMGET", KEYS[1], "tokens", "at")
local tokens, at = tonumber(state[1]), tonumber(state[2])
if tokens == nil or at == nil then tokens, at = burst, now end
tokens = math.min(burst, tokens + math.max(now - at, 0) / interval) - 1
if reserve > 0 and tokens < reserve then return -1 end
redis.call("HSET", KEYS[1], "tokens", tostring(tokens), "at", tostring(now))
redis.call("PEXPIRE", KEYS[1], math.ceil(interval * (burst - tokens)) + 1000)
if tokens >= 0 then return 0 end
return math.ceil(-tokens * interval)
"""


class WritePacer:
    """`pacer()` before each content-creating request of one installation (blocks when over budget)."""

    def __init__(
        self,
        connection: redis.Redis,
        installation_id: int,
        interval: float,
        *,
        burst: int = BURST,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.key = BUCKET_KEY.format(installation_id=int(installation_id))
        self.interval_ms = max(1, round(interval * 1000))
        self.burst = burst
        self._script = connection.register_script(_TAKE)
        self._sleep = sleep if sleep is not None else time.sleep

    def __call__(self, *, optional: bool = False) -> float | None:
        """Take a write slot; returns the seconds slept for it.

        An optional write (a progress step: cosmetic) never waits and never empties the bucket:
        it gets a slot only while :data:`RESERVE` would be left for the writes users wait for,
        and None otherwise (skip it).
        """
        reserve = min(RESERVE, self.burst - 1) if optional else 0
        wait = int(self._script(keys=[self.key], args=[self.interval_ms, self.burst, reserve])) / 1000
        if wait < 0:
            return None
        if wait > 0:
            logger.info("pacing GitHub writes: waiting %.2fs", wait, extra={"bucket": self.key})
            self._sleep(wait)
        return wait
