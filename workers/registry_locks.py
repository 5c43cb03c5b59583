"""Registry tag locks shared by every worker of the service, held in Redis.

Two jobs can attach evidence to the same digest at once (two commits that build the same image,
a retry beside a promotion); their read-modify-write of one referrers index or `.sig` tag must not
lose an entry. The lock expires on its own if its holder dies.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

import redis
from redis.lock import Lock

from attestations.oci.locks import TagLock

KEY = "dockgate:tag-lock:{key}"


def redis_tag_lock(connection: redis.Redis, *, timeout_s: float = 120.0) -> TagLock:
    """A TagLock backed by redis-py's lock (token-checked release, expiry after `timeout_s`)."""

    def lock(key: str) -> AbstractContextManager[object]:
        held: Lock = connection.lock(KEY.format(key=key), timeout=timeout_s, blocking_timeout=timeout_s)
        return held

    return lock
