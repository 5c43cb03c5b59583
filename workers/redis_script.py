"""A Lua script called over a Redis connection of the calling thread's own (the webhook's hot path).

redis-py's `Script.__call__` spends ~70 µs of client CPU per call around the round trip itself:
checking a connection out of the pool (a lock, a poll syscall proving the idle socket is clean,
two `settimeout` calls), the retry wrapper and event dispatch. The webhook makes exactly one call
per delivery, from a few gunicorn threads, so each thread keeps one connection for this script
and pays only the send and the receive. Everything else (host, port, db, credentials, TLS,
timeouts, the connect retry policy) comes from the client's own connection settings.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from typing import Any

import redis
from redis.connection import AbstractConnection
from redis.exceptions import NoScriptError


class PerThreadScript:
    """`script(keys, args)` runs `source` with EVALSHA (loading it on NOSCRIPT) like `Script`."""

    def __init__(self, client: redis.Redis, source: str) -> None:
        self.client = client
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA-1
        pool = client.connection_pool
        self._connection_class = pool.connection_class
        self._connection_kwargs = dict(pool.connection_kwargs)
        self._local = threading.local()

    def __call__(self, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        try:
            return self._call(self._connection(), keys, args)
        except redis.ConnectionError:
            # The thread's idle connection went stale (Redis restarted, a proxy timed it out):
            # one more try on a fresh connection, as redis-py's pool would; a second failure is final.
            self._drop()
            return self._call(self._connection(), keys, args)

    def _call(self, connection: AbstractConnection, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        try:
            try:
                return _command(connection, "EVALSHA", self.sha, len(keys), *keys, *args)
            except NoScriptError:  # Redis restarted or SCRIPT FLUSH: the script never ran
                _command(connection, "SCRIPT", "LOAD", self.source)
                return _command(connection, "EVALSHA", self.sha, len(keys), *keys, *args)
        except redis.ResponseError:
            raise  # a complete error reply: the connection is still in step
        except BaseException:
            _disconnect(connection)  # a reply may still be in flight: never reuse this socket
            raise

    def _connection(self) -> AbstractConnection:
        connection: AbstractConnection | None = getattr(self._local, "connection", None)
        if connection is None or connection.pid != os.getpid():  # new thread, or forked since
            connection = self._connection_class(**self._connection_kwargs)
            self._local.connection = connection
        return connection

    def _drop(self) -> None:
        connection: AbstractConnection | None = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            _disconnect(connection)


def _command(connection: Any, *args: Any) -> Any:
    """One command and its reply (redis-py's connection methods are untyped)."""
    connection.send_command(*args)
    return connection.read_response()


def _disconnect(connection: Any) -> None:
    connection.disconnect()
