"""Webhook throughput: dockgate's app vs a bare Flask app answering 202, same gunicorn settings.

    .venv/bin/python bench/webhook.py [--requests 5000] [--concurrency 64] [--workers 2] [--threads 4]
                                      [--rounds 3] [--floor]

Needs Redis (`scripts/services up`; database 5 is flushed). The load comes from a separate
process: asyncio, keep-alive HTTP/1.1, one connection per concurrent client, pre-built requests
(every shared real payload in turn, signed over its exact bytes, each with a fresh
X-GitHub-Delivery). Prints requests/s and p50/p99 latency of both servers and the ratio.
With --floor, each round also runs a third Flask app that does only what the contracts demand
before any routing (read the body, check its HMAC, parse it with orjson) and answers 202: the
ceiling any implementation of the webhook can reach on this machine, Redis aside.
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


def ours():  # gunicorn entry: `webhook:ours()`
    sys.path.insert(0, str(ROOT))
    from app.factory import create_app
    from workers.settings import Settings

    return create_app(Settings(github_webhook_secret=SECRET, redis_url=REDIS_URL))


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
    }


def client_main(port: int, n: int, concurrency: int) -> None:
    asyncio.run(_client(port, build_requests(300, port), concurrency))  # warm-up
    print(json.dumps(asyncio.run(_client(port, build_requests(n, port), concurrency))))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure(entry: str, args: argparse.Namespace) -> dict:
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
        return json.loads(subprocess.run(client, check=True, capture_output=True, text=True).stdout)
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="alternate bare/ours this many times (median)")
    parser.add_argument("--floor", action="store_true", help="also run the HMAC + parse-only app each round")
    parser.add_argument("--client", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(args.client, args.requests, args.concurrency)
        return
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    rounds, floors = [], []
    for _ in range(args.rounds):
        rounds.append((measure("webhook:bare()", args), measure("webhook:ours()", args)))
        if args.floor:
            floors.append(measure("webhook:floor()", args))
    jobs = redis.Redis.from_url(REDIS_URL).keys("rq:job:*")
    print(
        f"{args.requests} signed real payloads, {args.concurrency} connections, gunicorn gthread "
        f"{args.workers} workers x {args.threads} threads, loopback, {os.cpu_count()} CPUs, "
        f"1-min load average at the end {os.getloadavg()[0]:.1f}; {args.rounds} alternating rounds"
    )
    print(f"{'round':<6} {'server':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for i, (b, o) in enumerate(rounds, 1):
        for name, r in (("bare", b), ("dockgate", o), *((("floor", floors[i - 1]),) if floors else ())):
            print(
                f"{i:<6} {name:<10} {r['rps']:>9.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f}  {r['statuses']}"
            )
    ratios = sorted(o["rps"] / b["rps"] for b, o in rounds)
    if floors:
        floor_ratios = sorted(f["rps"] / b["rps"] for (b, _), f in zip(rounds, floors, strict=True))
        print(
            f"median throughput ratio floor/bare: {statistics.median(floor_ratios):.2f}x "
            f"(per round {', '.join(f'{r:.2f}' for r in floor_ratios)}; body + HMAC + parse only)"
        )
    p99 = statistics.median(o["p99_ms"] for _, o in rounds)
    bare_p99 = statistics.median(b["p99_ms"] for b, _ in rounds)
    print(
        f"median throughput ratio dockgate/bare: {statistics.median(ratios):.2f}x "
        f"(per round {', '.join(f'{r:.2f}' for r in ratios)}; goal >= 0.8x)"
    )
    print(
        f"median p99: dockgate {p99:.1f} ms, bare {bare_p99:.1f} ms (goal <= 20 ms); "
        f"{len(jobs)} distinct jobs stored in Redis"
    )
    redis.Redis.from_url(REDIS_URL).flushdb()


if __name__ == "__main__":
    main()
