"""`PerThreadScript`: the webhook's Lua call over a connection of each thread's own, on real Redis."""

from __future__ import annotations

import threading
import uuid

import pytest
import redis

from workers.redis_script import PerThreadScript

pytestmark = pytest.mark.redis

ECHO = "return {KEYS[1], ARGV[1], tonumber(ARGV[2]) * 2}"


def client(url: str) -> tuple[redis.Redis, str]:
    name = f"dockgate-test-{uuid.uuid4().hex[:12]}"
    return redis.Redis.from_url(url, client_name=name, socket_timeout=2), name


def connections_named(url: str, name: str) -> list[dict]:
    """Server-side connections of the client called `name` (asked through another, unnamed client)."""
    return [c for c in redis.Redis.from_url(url).client_list() if c.get("name") == name]


def test_a_never_loaded_script_is_loaded_and_run(redis_db: str) -> None:
    r, _ = client(redis_db)
    script = PerThreadScript(r, f"-- {uuid.uuid4()}\n{ECHO}")  # unknown to the server: NOSCRIPT first
    assert script(keys=["k"], args=["a", 21]) == [b"k", b"a", 42]
    assert script(keys=["k2"], args=[b"\x00\xff", 1]) == [b"k2", b"\x00\xff", 2]


def test_each_thread_uses_its_own_connection_and_gets_its_own_reply(redis_db: str) -> None:
    r, name = client(redis_db)
    script = PerThreadScript(r, ECHO)
    results: dict[int, list[object]] = {}
    done, counted = threading.Barrier(5), threading.Event()

    def run(n: int) -> None:
        results[n] = [script(keys=[f"t{n}"], args=[str(i), i]) for i in range(50)]
        done.wait()
        counted.wait()  # keep the thread (and so its connection) alive until counted

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    done.wait()
    assert len(connections_named(redis_db, name)) == 4
    counted.set()
    for t in threads:
        t.join()
    for n in range(4):
        assert results[n] == [[f"t{n}".encode(), str(i).encode(), 2 * i] for i in range(50)]


def test_a_killed_connection_is_replaced_once(redis_db: str) -> None:
    r, name = client(redis_db)
    script = PerThreadScript(r, ECHO)
    assert script(keys=["k"], args=["a", 1])[2] == 2
    [conn] = connections_named(redis_db, name)
    redis.Redis.from_url(redis_db).client_kill_filter(_id=conn["id"])
    assert script(keys=["k"], args=["b", 2]) == [b"k", b"b", 4]  # stale socket: one fresh try
    assert [c["id"] for c in connections_named(redis_db, name)] != [conn["id"]]


def test_an_error_reply_is_raised_and_the_connection_stays_usable(redis_db: str) -> None:
    r, name = client(redis_db)
    script = PerThreadScript(r, "if ARGV[1] == 'fail' then return redis.error_reply('no') end return 1")
    assert script(keys=[], args=["ok"]) == 1
    with pytest.raises(redis.ResponseError, match="no"):
        script(keys=[], args=["fail"])
    assert script(keys=[], args=["ok"]) == 1
    assert len(connections_named(redis_db, name)) == 1


def test_unreachable_redis_raises_a_redis_error() -> None:
    script = PerThreadScript(redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5), ECHO)
    with pytest.raises(redis.ConnectionError):
        script(keys=["k"], args=["a", 1])
