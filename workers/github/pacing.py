"""Pacing of content-creating GitHub requests, shared by every worker through Redis.

GitHub's secondary rate limits punish bursts of content-creating requests (at most 80 a minute
and 500 an hour, one at a time). PyGithub's `seconds_between_writes` spaces the writes of one
client object only, and sleeps before every write: a commit with three images waited 2 s for its
third `queued` run (bench/checkrun.py), while two workers still wrote at the same moment.

:class:`WritePacer` is a token bucket per installation in Redis, timed by the Redis server's
clock: a burst of :data:`BURST` writes goes at once (a commit's check runs appear together), then
one per `interval` across all workers of the deployment. A caller that must wait is told how long
and sleeps; the bucket is never refilled by waiting callers, so concurrent jobs queue fairly.
Writes have a :class:`Priority`: the `queued` runs of new commits may use the whole burst, runs
going in progress and verdicts leave a few slots to them, and later progress steps (cosmetic) are
skipped under pressure, so a new commit's checks never queue behind running jobs' spinner texts.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable

import redis

logger = logging.getLogger(__name__)

BURST = 20  # writes that may go at once; a plan of several images, or a verdict with its annotations


class Priority(enum.IntEnum):
    """How many slots of the burst a write leaves to more urgent ones (its reserve)."""

    QUEUED = 0  # a new commit's `queued` runs: what users wait for first
    NORMAL = 5  # a run going in progress, verdicts, annotations: wait their turn
    OPTIONAL = 10  # later progress steps: skipped rather than waiting


BUCKET_KEY = "dockgate:gh-writes:{installation_id}"

# KEYS[1] the bucket; ARGV[1] interval (ms), ARGV[2] burst, ARGV[3] reserve, ARGV[4] "skip" or
# "wait". Takes one token and returns the wait in ms until the balance is back to `reserve`; the
# balance may go below it on credit (the queue of writers already promised a slot). A "skip" write
# takes nothing and gets -1 instead of a wait.
_TAKE = """
local now_s = redis.call("TIME")
local now = tonumber(now_s[1]) * 1000 + math.floor(tonumber(now_s[2]) / 1000)
local interval, burst, reserve = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call("HMGET", KEYS[1], "tokens", "at")
local tokens, at = tonumber(state[1]), tonumber(state[2])
if tokens == nil or at == nil then tokens, at = burst, now end
tokens = math.min(burst, tokens + math.max(now - at, 0) / interval) - 1
if tokens < reserve and ARGV[4] == "skip" then return -1 end
redis.call("HSET", KEYS[1], "tokens", tostring(tokens), "at", tostring(now))
redis.call("PEXPIRE", KEYS[1], math.ceil(interval * (burst - tokens)) + 1000)
if tokens >= reserve then return 0 end
return math.ceil((reserve - tokens) * interval)
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

    def __call__(self, priority: Priority = Priority.NORMAL) -> float | None:
        """Take a write slot; returns the seconds slept for it, or None for a skipped optional write.

        A write leaves its priority's reserve of the burst to more urgent ones, waiting on credit
        until the balance is back above it; an optional write (a progress step: cosmetic) never
        waits, it is skipped (None) when it would dip into its reserve.
        """
        reserve = min(int(priority), self.burst - 1)
        mode = "skip" if priority is Priority.OPTIONAL else "wait"
        args: list[str | int] = [self.interval_ms, self.burst, reserve, mode]
        wait = int(self._script(keys=[self.key], args=args)) / 1000
        if wait < 0:
            return None
        if wait > 0:
            logger.info("pacing GitHub writes: waiting %.2fs", wait, extra={"bucket": self.key})
            self._sleep(wait)
        return wait
