"""Webhook throughput: dockgate's app vs a bare Flask app answering 202, same gunicorn settings.

    .venv/bin/python bench/webhook.py [--requests 5000] [--concurrency 64] [--workers 2] [--threads 4]
                                      [--rounds 3] [--floor]

Needs Redis (`scripts/services up`; database 5 is flushed). dockgate runs twice per round: with
Redis over loopback TCP (REDIS_URL) and over its Unix socket (REDIS_SOCKET_URL, when set), the
deployment bench/README.md recommends for a co-located Redis. The load comes from a separate
process: asyncio, keep-alive HTTP/1.1, one connection per concurrent client, pre-built requests
(every shared real payload in turn, signed over its exact bytes, each with a fresh
X-GitHub-Delivery). Prints requests/s, p50/p99 latency and the CPU per request of the gunicorn
workers and of redis-server for each server, and the throughput ratios to the bare app.
With --floor, each round also runs a Flask view that reads the body, checks its HMAC and parses it
in full with orjson, then answers 202: what the contract costs the naive way, before any Redis work
(dockgate's own endpoint skips Flask's request machinery and parses lazily).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WEBHOOKS = ROOT.parent / "shared" / "github" / "webhooks"
SECRET = "bench webhook secret"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/5"
SOCKET_URL = os.environ.get("REDIS_SOCKET_URL", "").split("?", 1)[0]
SOCKET_URL = SOCKET_URL and SOCKET_URL + "?db=5"


def ours():  # gunicorn entry: `webhook:ours()`
    sys.path.insert(0, str(ROOT))
    from app.factory import create_app
    from workers.settings import Settings

    return create_app(Settings(github_webhook_secret=SECRET, redis_url=REDIS_URL))


def ours_unix():  # gunicorn entry: `webhook:ours_unix()`
    sys.path.insert(0, str(ROOT))
    from app.factory import create_app
    from workers.settings import Settings

    return create_app(Settings(github_webhook_secret=SECRET, redis_url=SOCKET_URL))


def bare():  # gunicorn entry: `webhook:bare()`
    from flask import Flask, jsonify

    app = Flask("bare")

    @app.post("/webhooks/github")
    def receive():
        return jsonify(accepted=True), 202

    return app


def floor():  # gunicorn entry: `webhook:floor()`
    sys.path.insert(0, str(ROOT))
    import orjson
    from flask import Flask, jsonify, request

    from app.webhooks.signature import verify

    app = Flask("floor")
    secret = SECRET.encode()

    @app.post("/webhooks/github")
    def receive():
        body = request.get_data(cache=False)
        verify(secret, body, request.headers.get("X-Hub-Signature-256"))
        orjson.loads(body)
        return jsonify(accepted=True), 202

    return app


def build_requests(n: int, port: int) -> list[bytes]:
    bodies = [(p.parent.name, p.read_bytes()) for p in sorted(WEBHOOKS.glob("*/*.json"))]
    out = []
    for i in range(n):
        event, body = bodies[i % len(bodies)]
        sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        head = (
            f"POST /webhooks/github HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"User-Agent: GitHub-Hookshot/bench\r\nX-GitHub-Event: {event}\r\n"
            f"X-GitHub-Delivery: {uuid.uuid4()}\r\n"
            f"X-Hub-Signature-256: {sig}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        out.append(head.encode() + body)
    return out


async def _client(port: int, requests: list[bytes], concurrency: int) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    index = 0

    async def one_connection() -> None:
        nonlocal index
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while index < len(requests):
            request, index = requests[index], index + 1
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            status = int(status_line.split()[1])
            statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one_connection() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "statuses": statuses,
        "served": len(latencies),
    }


def client_main(port: int, n: int, concurrency: int) -> None:
    warm = asyncio.run(_client(port, build_requests(300, port), concurrency))
    result = asyncio.run(_client(port, build_requests(n, port), concurrency))
    result["served"] += warm["served"]  # the server's CPU is read around both runs
    print(json.dumps(result))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _redis_pid() -> int | None:
    import redis

    try:
        return int(redis.Redis.from_url(REDIS_URL).info("server")["process_id"])
    except (redis.RedisError, KeyError, ValueError):
        return None


def measure(entry: str, args: argparse.Namespace) -> dict:
    """One server under the load; adds the CPU its workers and redis-server spent per request."""
    sys.path.insert(0, str(ROOT))
    from app.cli.serve import gunicorn_options

    port = free_port()
    opts = gunicorn_options(f"127.0.0.1:{port}", args.workers, args.threads)
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--chdir",
        str(ROOT / "bench"),
        "-b",
        opts["bind"],
        "-w",
        str(opts["workers"]),
        "--threads",
        str(opts["threads"]),
        "-k",
        opts["worker_class"],
        "--timeout",
        str(opts["timeout"]),
        "--keep-alive",
        str(opts["keepalive"]),
        "--log-level",
        opts["loglevel"],
        entry,
    ]
    server = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        for _ in range(200):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        client = [
            sys.executable,
            __file__,
            "--client",
            str(port),
            "--requests",
            str(args.requests),
            "--concurrency",
            str(args.concurrency),
        ]
        workers = _workers(server.pid, args.workers)
        redis_pid = _redis_pid()
        before = [_cpu_seconds(pid) for pid in workers], redis_pid and _cpu_seconds(redis_pid)
        result = json.loads(subprocess.run(client, check=True, capture_output=True, text=True).stdout)
        served = result.pop("served")
        result["worker_us"] = 1e6 * (sum(_cpu_seconds(pid) for pid in workers) - sum(before[0])) / served
        if redis_pid and before[1] is not None:
            result["redis_us"] = 1e6 * (_cpu_seconds(redis_pid) - before[1]) / served
        return result
    finally:
        server.terminate()
        server.wait()


def _workers(master: int, count: int) -> list[int]:
    """The gunicorn worker processes (children of the master), once all have started."""
    for _ in range(100):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if len(children) >= count:
            return [int(pid) for pid in children]
        time.sleep(0.05)
    raise RuntimeError("gunicorn workers did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternate the servers this many times (median)"
    )
    parser.add_argument("--floor", action="store_true", help="also run the HMAC + parse-only app each round")
    parser.add_argument("--client", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(args.client, args.requests, args.concurrency)
        return
    import redis

    servers = {"bare": "webhook:bare()", "dockgate tcp": "webhook:ours()"}
    if SOCKET_URL:
        servers["dockgate unix"] = "webhook:ours_unix()"
    if args.floor:
        servers["floor"] = "webhook:floor()"
    redis.Redis.from_url(REDIS_URL).flushdb()
    rounds = [{name: measure(entry, args) for name, entry in servers.items()} for _ in range(args.rounds)]
    jobs = redis.Redis.from_url(REDIS_URL).keys("rq:job:*")
    print(
        f"{args.requests} signed real payloads, {args.concurrency} connections, gunicorn gthread "
        f"{args.workers} workers x {args.threads} threads, loopback, {os.cpu_count()} CPUs, "
        f"1-min load average at the end {os.getloadavg()[0]:.1f}; {args.rounds} alternating rounds"
    )
    heads = f"{'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'worker CPU':>11} {'redis CPU':>10}"
    print(f"{'round':<6} {'server':<14} {heads}  statuses")
    for i, results in enumerate(rounds, 1):
        for name, r in results.items():
            redis_us = f"{r['redis_us']:.0f} us" if "redis_us" in r else "-"
            print(
                f"{i:<6} {name:<14} {r['rps']:>7.0f} {r['p50_ms']:>7.2f} {r['p99_ms']:>7.2f} "
                f"{r['worker_us']:>8.0f} us {redis_us:>10}  {r['statuses']}"
            )
    for name in servers:
        if name == "bare":
            continue
        ratios = sorted(r[name]["rps"] / r["bare"]["rps"] for r in rounds)
        goal = "body + HMAC + parse only" if name == "floor" else "goal >= 0.8x"
        print(
            f"median throughput ratio {name}/bare: {statistics.median(ratios):.2f}x "
            f"(per round {', '.join(f'{r:.2f}' for r in ratios)}; {goal})"
        )
    p99 = {name: statistics.median(r[name]["p99_ms"] for r in rounds) for name in servers}
    print(
        "median p99: "
        + ", ".join(f"{name} {ms:.1f} ms" for name, ms in p99.items())
        + f" (goal <= 20 ms); {len(jobs)} distinct jobs stored in Redis"
    )
    redis.Redis.from_url(REDIS_URL).flushdb()


if __name__ == "__main__":
    main()
