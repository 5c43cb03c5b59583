"""Serialise read-modify-write updates of one registry tag (referrers indexes, cosign `.sig`/`.att`).

The distribution API has no conditional PUT, so two writers that read the same index and each add
an entry lose one of them. Every writer of dockgate takes a lock named after the tag first: a
process-local lock by default (threads of one worker), a Redis lock in the service (all workers of
all hosts); see `workers.registry_locks`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

UPDATE_ATTEMPTS = 3  # writes of one tag update before giving up on a writer that ignores the lock
TagLock = Callable[[str], AbstractContextManager[object]]

_LOCAL: dict[str, threading.Lock] = {}
_GUARD = threading.Lock()


@contextmanager
def local_tag_lock(key: str) -> Iterator[None]:
    """A per-tag lock shared by the threads of this process."""
    with _GUARD:
        lock = _LOCAL.setdefault(key, threading.Lock())
    with lock:
        yield
