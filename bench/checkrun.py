"""Delivery → `queued` check runs: how soon a pull request shows its `dockgate/<image>` checks.

Issue #3: "check runs, one per image, named `dockgate/<image>`: created `queued` within a second of
the webhook (by a high-priority job, not inline)". This bench measures that end to end with the real
parts: the strict GitHub emulator of tests/github_emulator (run in this process, serving real bare
git repositories, validating every request against GitHub's OpenAPI description), `dockgate serve`
(gunicorn, 2 workers × 4 threads) and `dockgate worker --no-periodic` processes (RQ, a forked work
horse per job), on Redis database 4 (flushed before and after). The image pipeline is the cheap
`dockerfile-report` (also the default of DOCKGATE_IMAGE_PIPELINE): only the time to `queued` is
measured, the image jobs merely run and complete. The GitHub write throttle is dockgate's default
(DOCKGATE_GITHUB_WRITE_INTERVAL=1.0) unless --write-interval says otherwise.

Deliveries are the real `pull_request/opened.json` from ../shared/github/webhooks, each retargeted
to a new commit (a real commit object, same tree) of a 1-image repository (a root Dockerfile) or a
3-image one (a `.dockgate.yml` listing api, web, worker) and to a pull request number of its own, so
every delivery plans new work and supersedes nothing; signed with the webhook secret and POSTed over
HTTP to 127.0.0.1. "sequential" posts one at a time and waits until its check runs are completed
(the workers idle again) and the installation's GitHub write budget is full again (dockgate paces
content-creating requests per installation across workers, workers/github/pacing.py: bursts of 20,
then one a second) before the next: latency of a commit at a quiet installation, not throughput;
"back-to-back" and "burst" run into that pacing, as GitHub's secondary limits (80 writes a
minute, 500 an hour) would into a client that did not pace. "back-to-back" posts the next as
soon as the previous commit's runs are queued, so its plan job meets workers still running image
jobs (RQ's queue priority only orders dequeues: a busy worker is not preempted, and no worker is
kept for the high queue); "burst" posts N at once. For each run the bench records the time from the
start of the POST to the emulator creating it `queued` (GitHub-side), and the webhook's own answer.
A first, uncounted delivery mints the installation token (it is cached in Redis for 55 minutes); it
is printed on its own. The emulator's connections use TCP_NODELAY (tests/github_emulator/server.py).

Reference (our bench rule prints a peer measured in the same run): nothing else creates check runs
here, so the reference is the time the same `dockgate worker` processes take to start a no-op RQ job
(`time.time`) on the same Redis and queue (dockgate-high): enqueue → the job's first line runs. The
ratio says how much of the delivery → queued time is RQ's own job start-up.

The breakdown of sequential deliveries splits each commit's time to its last queued run into: the
webhook's answer; answer → the plan job's work horse started (RQ dequeue + fork); horse start → first
GitHub request (building the runtime: settings, App key, Redis token lookup); the Git tree (and
`.dockgate.yml`) reads; per image the check-run listing and creation requests; and the idle time before
each creation POST (the write pacing's wait when the budget is short); "other" is
the rest (client-side CPU between requests). Request times are the emulator's service times
(openapi-core validation plus a git subprocess, on loopback): github.com's own latency per request is
not modelled and comes on top, once per request on the path (4 requests for a 1-image commit,
3 + 2 per image with a `.dockgate.yml`).

    eval "$(scripts/services env)"   # REDIS_URL (127.0.0.1)
    .venv/bin/python bench/checkrun.py [--deliveries 10] [--burst 20] [--workers 2] [--write-interval S]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402

from tests.github_emulator import gitrepo  # noqa: E402
from tests.github_emulator.plugin import settings_env  # noqa: E402
from tests.github_emulator.server import Emulator  # noqa: E402
from workers.github.pacing import BUCKET_KEY  # noqa: E402
from workers.settings import Settings  # noqa: E402

WEBHOOKS = ROOT.parent / "shared" / "github" / "webhooks"
SECRET = "bench checkrun webhook secret"
APP_ID = 4242
INSTALLATION = 1
REDIS_DB = 4
GOAL = 1.0
DOCKERFILE = "FROM alpine:3.20\nRUN adduser -D app\nUSER app\n"
REPOS: dict[int, tuple[str, dict[str, str | bytes]]] = {
    1: ("bench/one", {"Dockerfile": DOCKERFILE}),
    3: (
        "bench/three",
        {
            ".dockgate.yml": "images:\n"
            + "".join(f"  - name: {n}\n    context: {n}\n" for n in ("api", "web", "worker")),
            **{f"{n}/Dockerfile": DOCKERFILE for n in ("api", "web", "worker")},
        },
    ),
}
PLAN_OPS = {"git/get-tree", "repos/get-content", "checks/list-for-ref", "checks/create"}


class TimedEmulator(Emulator):
    """The test emulator, plus wall-clock stamps: each API request's service time, each run created."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.created: dict[str, list[tuple[str, float]]] = {}  # head sha → [(name, created queued at)]

    def dispatch(
        self, h: Any, url: Any, raw: bytes, entry: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        entry["t0"] = time.time()
        try:
            return super().dispatch(h, url, raw, entry)
        finally:
            entry["t1"] = time.time()

    def op_checks_create(self, p: Any, q: Any, data: Any, entry: dict[str, Any]) -> tuple[int, Any]:
        status, body = super().op_checks_create(p, q, data, entry)  # type: ignore[no-untyped-call]
        entry["head_sha"] = data.get("head_sha")
        if status == 201 and body["status"] == "queued":
            self.created.setdefault(str(data["head_sha"]), []).append((str(data["name"]), time.time()))
        return status, body


@dataclass
class Delivery:
    """One POSTed delivery and what became of it."""

    images: int
    sha: str
    started: float = 0.0
    answered: float = 0.0
    status: int = 0
    job_id: str = ""
    queued: list[tuple[str, float]] = field(default_factory=list)

    @property
    def answer(self) -> float:
        return self.answered - self.started

    def latencies(self) -> list[float]:
        return [t - self.started for _, t in self.queued]


# ------------------------------------------------------------------ set-up


def redis_url() -> str:
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if urlsplit(base).hostname not in ("127.0.0.1", "localhost") or not base.startswith("redis://"):
        sys.exit(f"checkrun: REDIS_URL must be redis://127.0.0.1:PORT/N (got {base!r})")
    return base.rsplit("/", 1)[0] + f"/{REDIS_DB}"


def app_key(directory: Path) -> tuple[Path, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = directory / "app.pem"
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(pem)
    path.chmod(0o600)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return path, public.decode()


def new_commits(bare: Path, count: int) -> list[str]:
    """`count` real commits on top of HEAD (same tree), written without a work tree."""
    tree = gitrepo.git("rev-parse", "HEAD^{tree}", cwd=bare).decode().strip()
    parent = gitrepo.git("rev-parse", "HEAD", cwd=bare).decode().strip()
    return [
        gitrepo.git("commit-tree", tree, "-p", parent, "-m", f"bench {i}", cwd=bare).decode().strip()
        for i in range(count)
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            children = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *_descendants(child)]
    return found


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group (gunicorn's workers, RQ's warm shutdown), then kill what is left."""
    others = _descendants(process.pid)  # RQ work horses run in process groups of their own
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    for pid in others:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@contextmanager
def dockgate(env: dict[str, str], port: int, workers: int, logs: Path) -> Iterator[None]:
    """`dockgate serve` and `workers` × `dockgate worker`, stopped (with any work horse) on exit."""
    started: list[subprocess.Popen[bytes]] = []
    commands = [["serve", "--port", str(port), "--workers", "2", "--threads", "4"]]
    commands += [["worker", "--no-periodic"]] * workers
    try:
        for i, args in enumerate(commands):
            log = (logs / f"{args[0]}-{i}.log").open("wb")
            started.append(
                subprocess.Popen(
                    [sys.executable, "-m", "app.cli", *args],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                    start_new_session=True,
                )
            )
        yield
    finally:
        for process in started:
            stop(process)


def wait_until(what: str, ready: Callable[[], bool], timeout: float, logs: Path) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.05)
    tails = "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(logs.glob("*.log")))
    raise SystemExit(f"checkrun: {what} did not happen within {timeout:.0f} s\n{tails}")


def readyz(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
        return bool(response.status == 200)


# ------------------------------------------------------------------ deliveries


def delivery_body(template: dict[str, Any], repository: str, clone_url: str, sha: str, number: int) -> bytes:
    """`pull_request.opened` of a new pull request `number` whose head is `sha` in `repository`."""
    payload = json.loads(json.dumps(template))
    owner, name = repository.split("/")
    for repo in (payload["repository"], payload["pull_request"]["head"]["repo"]):
        repo.update(full_name=repository, name=name, clone_url=clone_url, fork=False)
        repo["owner"]["login"] = owner
    payload["pull_request"]["base"]["repo"] = payload["repository"]
    payload["pull_request"]["head"]["sha"] = sha
    payload["pull_request"].update(number=number)
    payload["number"] = number
    payload["installation"]["id"] = INSTALLATION
    return json.dumps(payload).encode()


def post(port: int, body: bytes, delivery: Delivery) -> None:
    headers = {
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/bench",
    }
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    delivery.started = time.time()
    connection.request("POST", "/webhooks/github", body=body, headers=headers)
    response = connection.getresponse()
    answer = response.read()
    delivery.answered = time.time()
    connection.close()
    delivery.status = response.status
    if response.status == 202:
        delivery.job_id = str(json.loads(answer)["jobs"][0])


def wait_queued(emulator: TimedEmulator, deliveries: Sequence[Delivery], timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    for d in deliveries:
        while len(emulator.created.get(d.sha, ())) < d.images and time.time() < deadline:
            time.sleep(0.005)
        d.queued = sorted(emulator.created.get(d.sha, ()), key=lambda item: item[1])


def wait_completed(emulator: TimedEmulator, deliveries: Sequence[Delivery], timeout: float = 180.0) -> bool:
    """Until every run of these commits is completed (the image jobs are done: the workers are idle)."""
    shas = {d.sha for d in deliveries}
    deadline = time.time() + timeout
    while time.time() < deadline:
        with emulator.lock:
            runs = [r for r in emulator.check_runs.values() if r["head_sha"] in shas]
        if len(runs) >= sum(d.images for d in deliveries) and all(r["status"] == "completed" for r in runs):
            return True
        time.sleep(0.05)
    return False


class Bench:
    """The repositories, their spare commits and the deliveries made of them."""

    def __init__(
        self,
        emulator: TimedEmulator,
        port: int,
        repos: dict[int, tuple[str, list[str]]],
        connection: redis.Redis,
    ) -> None:
        self.emulator, self.port, self.repos, self.connection = emulator, port, repos, connection
        self.template = json.loads((WEBHOOKS / "pull_request/opened.json").read_bytes())
        self.numbers = iter(range(1000, 1_000_000))
        self.burst_cpu: dict[int, float] = {}  # images → this process's CPU (cores) while a burst queued

    def make(self, images: int) -> tuple[Delivery, bytes]:
        repository, spare = self.repos[images]
        sha = spare.pop()
        body = delivery_body(
            self.template, repository, self.emulator.clone_url(repository), sha, next(self.numbers)
        )
        return Delivery(images, sha), body

    def sequential(self, images: int, count: int) -> list[Delivery]:
        out = []
        for _ in range(count):
            self.quiet_installation()
            delivery, body = self.make(images)
            post(self.port, body, delivery)
            wait_queued(self.emulator, [delivery])
            if not wait_completed(self.emulator, [delivery]):
                print(f"warning: the runs of {delivery.sha[:12]} did not complete", file=sys.stderr)
            out.append(delivery)
        return out

    def quiet_installation(self, timeout: float = 120.0) -> None:
        """Wait until the installation's GitHub write budget is full again (its Redis bucket expires)."""
        key = BUCKET_KEY.format(installation_id=INSTALLATION)
        deadline = time.monotonic() + timeout
        while self.connection.exists(key) and time.monotonic() < deadline:
            time.sleep(0.1)

    def back_to_back(self, images: int, count: int) -> list[Delivery]:
        """The next delivery as soon as the previous commit's runs are queued: image jobs still running."""
        out = []
        for _ in range(count):
            delivery, body = self.make(images)
            post(self.port, body, delivery)
            wait_queued(self.emulator, [delivery])
            out.append(delivery)
        if not wait_completed(self.emulator, out):
            print("warning: the back-to-back runs did not all complete", file=sys.stderr)
        return out

    def burst(self, images: int, count: int) -> list[Delivery]:
        made = [self.make(images) for _ in range(count)]
        gate = threading.Barrier(count)

        def send(delivery: Delivery, body: bytes) -> None:
            gate.wait()
            post(self.port, body, delivery)

        threads = [threading.Thread(target=send, args=item) for item in made]
        cpu, wall = time.process_time(), time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        deliveries = [d for d, _ in made]
        wait_queued(self.emulator, deliveries)
        self.burst_cpu[images] = (time.process_time() - cpu) / (time.time() - wall)
        if not wait_completed(self.emulator, deliveries):
            print("warning: the burst's runs did not all complete", file=sys.stderr)
        return deliveries


def reference(connection: redis.Redis, count: int) -> list[float]:
    """Enqueue → first line of a no-op job (`time.time`) on dockgate-high, one job at a time."""
    from rq import Queue
    from rq.job import JobStatus
    from rq.serializers import JSONSerializer

    queue = Queue("dockgate-high", connection=connection, serializer=JSONSerializer)
    out = []
    for _ in range(count):
        enqueued = time.time()
        job = queue.enqueue("time.time", job_timeout=30, result_ttl=300)
        deadline = enqueued + 30
        while job.get_status(refresh=True) != JobStatus.FINISHED and time.time() < deadline:
            time.sleep(0.002)
        started = job.return_value()
        if started is None:
            raise SystemExit("checkrun: the no-op reference job did not finish within 30 s")
        out.append(float(started) - enqueued)
    return out


# ------------------------------------------------------------------ figures


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))] if ordered else float("nan")
    )


def ms3(values: Sequence[float]) -> str:
    return "/".join(f"{1000 * pct(values, q):.0f}" for q in (0.5, 0.95, 1.0))


def rq_time(connection: redis.Redis, job_id: str, name: str) -> float:
    raw = connection.hget(f"rq:job:{job_id}", name)
    text = raw.decode() if isinstance(raw, bytes) else ""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp() if text else 0.0


def breakdown(emulator: TimedEmulator, connection: redis.Redis, d: Delivery) -> dict[str, float]:
    """Where one sequential delivery's time to its last queued run went (see the module doc)."""
    horse = rq_time(connection, d.job_id, "started_at")
    last = d.queued[-1][1] if d.queued else d.answered
    with emulator.lock:
        entries = [e for e in emulator.log if "t0" in e and d.started <= e["t0"] <= last]
    mine = [
        e
        for e in entries
        if e.get("op") in PLAN_OPS
        and (d.sha in e["path"] or d.sha in e.get("query", "") or e.get("head_sha") == d.sha)
        and not (e["op"] == "repos/get-content" and "Dockerfile" in e["path"])
    ]
    mine.sort(key=lambda e: e["t0"])
    mints = [e for e in entries if e.get("op") == "apps/create-installation-access-token"]
    parts = {
        "answer": d.answer,
        "to horse": horse - d.answered,
        "horse→1st req": (mine[0]["t0"] - horse) if mine else 0.0,
        "tree+config": sum(
            e["t1"] - e["t0"] for e in mine if e["op"] in ("git/get-tree", "repos/get-content")
        ),
        "list runs": sum(e["t1"] - e["t0"] for e in mine if e["op"] == "checks/list-for-ref"),
        "create runs": sum(e["t1"] - e["t0"] for e in mine if e["op"] == "checks/create"),
        "idle before POSTs": sum(
            b["t0"] - a["t1"] for a, b in zip(mine, mine[1:], strict=False) if b["op"] == "checks/create"
        ),
        "token mint": sum(e["t1"] - e["t0"] for e in mints),
    }
    parts["total"] = last - d.started
    parts["other"] = parts["total"] - sum(v for k, v in parts.items() if k != "total")
    return parts


def busy(emulator: TimedEmulator, deliveries: Sequence[Delivery]) -> float:
    """Share of the phase (first POST → last run queued) the emulator was serving some request."""
    start = min(d.started for d in deliveries)
    end = max((d.queued[-1][1] for d in deliveries if d.queued), default=start)
    with emulator.lock:
        spans = sorted((max(e["t0"], start), min(e["t1"], end)) for e in emulator.log if "t1" in e)
    covered, reach = 0.0, start
    for t0, t1 in spans:
        if t1 > reach:
            covered += t1 - max(t0, reach)
            reach = t1
    return covered / (end - start) if end > start else 0.0


def report(
    emulator: TimedEmulator,
    phases: list[tuple[str, list[Delivery], bool]],
    ref: list[float],
    breakdowns: dict[int, list[dict[str, float]]],
) -> None:
    ref50 = pct(ref, 0.5)
    print(
        f"reference: RQ no-op job, enqueue → start (same workers, dockgate-high), ms p50/p95/max: {ms3(ref)}"
    )
    print()
    head = (
        f"{'phase':<24}{'n':>4}  {'answer ms':>14}  {'each run ms':>16}  {'last run ms':>16}  {'≤1 s':>7}  "
    )
    print(head + "last p50/ref  emulator busy")
    print("-" * (len(head) + 27))
    for title, deliveries, concurrent in phases:
        each = [x for d in deliveries for x in d.latencies()]
        last = [d.latencies()[-1] if d.queued else float("inf") for d in deliveries]
        missing = sum(d.images - len(d.queued) for d in deliveries)
        within = sum(x <= GOAL for x in each) / max(1, len(each) + missing)
        answers = ms3([d.answer for d in deliveries])
        print(
            f"{title:<24}{len(deliveries):>4}  {answers:>14}  {ms3(each):>16}  {ms3(last):>16}  "
            f"{100 * within:>6.0f}%  {pct(last, 0.5) / ref50:>11.1f}×"
            + (f"  {100 * busy(emulator, deliveries):>12.0f}%" if concurrent else f"  {'–':>13}")
            + (f"  ({missing} run(s) never queued)" if missing else "")
        )
    print("(ms columns: p50/p95/max; 'each run' = POST start → that dockgate/<image> run created queued;")
    print(" 'last run' = the commit's last run queued; ≤1 s = share of runs within the goal;")
    print(" last p50/ref = 'last run' p50 over the reference's p50; emulator busy = share of the phase")
    print(" of a burst during which the in-process emulator was serving a request: near 100% = the limit)")
    for images, rows in breakdowns.items():
        if not rows:
            continue
        print(f"\nsequential {images}-image commits, median ms per commit (to its last queued run):")
        keys = list(rows[0])
        print("  " + "  ".join(f"{k:>{max(7, len(k))}}" for k in keys))
        print("  " + "  ".join(f"{1000 * pct([r[k] for r in rows], 0.5):>{max(7, len(k))}.0f}" for k in keys))


def service_times(emulator: TimedEmulator) -> str:
    ops: dict[str, list[float]] = {}
    with emulator.lock:
        for e in emulator.log:
            if "t1" in e and e.get("op"):
                ops.setdefault(e["op"], []).append(e["t1"] - e["t0"])
    return ", ".join(f"{op} {1000 * pct(v, 0.5):.0f} ms (n={len(v)})" for op, v in sorted(ops.items()))


# ------------------------------------------------------------------ main


def run(args: argparse.Namespace, tmp: Path) -> None:
    url = redis_url()
    connection = redis.Redis.from_url(url)
    connection.flushdb()
    key_path, public_pem = app_key(tmp)
    emulator = TimedEmulator(
        app_id=APP_ID,
        app_public_key_pem=public_pem,
        installations={INSTALLATION},
        webhook_secret=SECRET.encode(),
    )
    emulator.start()
    try:
        measure(args, tmp, emulator, connection, url, key_path)
    finally:
        emulator.stop()
        connection.flushdb()


def measure(
    args: argparse.Namespace,
    tmp: Path,
    emulator: TimedEmulator,
    connection: redis.Redis,
    url: str,
    key_path: Path,
) -> None:
    need = {1: args.deliveries + args.burst + 1, 3: 2 * args.deliveries + args.burst}
    repos: dict[int, tuple[str, list[str]]] = {}
    for images, (name, files) in REPOS.items():
        bare, _ = gitrepo.make_repo(tmp / "git" / f"{name.replace('/', '__')}.git", files)
        emulator.attach_repo(name, bare, installation_id=INSTALLATION)
        repos[images] = (name, new_commits(bare, need[images]))
    overrides: dict[str, Any] = {}
    if args.write_interval is not None:
        overrides["github_write_interval"] = args.write_interval
    settings = Settings(
        github_app_id=APP_ID,
        github_app_private_key_path=key_path,
        github_webhook_secret=SECRET,
        github_api_url=emulator.base_url,
        redis_url=url,
        database_url=f"sqlite:///{tmp / 'dockgate.db'}",
        image_pipeline="dockerfile-report",
        **overrides,
    )
    env = {**os.environ, **settings_env(settings), "PYTHONPATH": str(ROOT)}
    port = free_port()
    logs = tmp / "logs"
    logs.mkdir()
    from rq import Worker

    with dockgate(env, port, args.workers, logs):
        wait_until("dockgate serve answering /readyz", lambda: readyz(port), 60, logs)
        wait_until(
            f"{args.workers} RQ worker(s) registered",
            lambda: len(Worker.all(connection=connection)) >= args.workers,
            120,
            logs,
        )
        print(
            f"dockgate: serve 2 gunicorn workers × 4 threads, {args.workers} `dockgate worker` "
            "(RQ, fork per job); "
            f"pipeline {settings.image_pipeline}; GitHub write interval {settings.github_write_interval:g} s"
            f"{'' if overrides else ' (default)'}; load average {os.getloadavg()[0]:.1f}"
        )
        bench = Bench(emulator, port, repos, connection)
        [cold] = bench.sequential(1, 1)
        ref = reference(connection, max(args.deliveries, 5))
        phases = [
            ("sequential, 1 image", bench.sequential(1, args.deliveries), False),
            ("sequential, 3 images", bench.sequential(3, args.deliveries), False),
            ("back-to-back, 3 images", bench.back_to_back(3, args.deliveries), False),
            (f"burst of {args.burst}, 1 image", bench.burst(1, args.burst), True),
            (f"burst of {args.burst}, 3 images", bench.burst(3, args.burst), True),
        ]
        breakdowns = {
            n: [breakdown(emulator, connection, d) for d in phases[i][1]] for i, n in ((0, 1), (1, 3))
        }
        cold_parts = breakdown(emulator, connection, cold)
    print(
        "first delivery (cold, mints the installation token): "
        f"queued after {1000 * cold.latencies()[0]:.0f} ms "
        f"(token mint request {1000 * cold_parts['token mint']:.0f} ms)"
    )
    report(emulator, phases, ref, breakdowns)
    print(
        "this process (the emulator, whose requests hold one GIL) used "
        + ", ".join(f"{cores:.2f} core during the {n}-image burst" for n, cores in bench.burst_cpu.items())
    )
    print(f"\nemulator service time per request, median: {service_times(emulator)}")
    bad = [d for _, ds, _ in phases for d in ds if d.status != 202]
    errors = emulator.contract_errors()
    print(f"webhook answers other than 202: {len(bad)}; requests outside GitHub's schema: {len(errors)}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--deliveries", type=int, default=10, help="sequential deliveries per commit kind")
    parser.add_argument("--burst", type=int, default=20, help="deliveries posted at once per commit kind")
    parser.add_argument("--workers", type=int, default=2, help="`dockgate worker` processes (default 2)")
    parser.add_argument(
        "--write-interval", type=float, help="DOCKGATE_GITHUB_WRITE_INTERVAL (default: dockgate's default)"
    )
    args = parser.parse_args(argv)
    if args.deliveries < 1 or args.burst < 1 or args.workers < 1:
        parser.error("--deliveries, --burst and --workers must be at least 1")
    with tempfile.TemporaryDirectory(prefix="dockgate-checkrun-") as tmp:
        try:
            run(args, Path(tmp))
        finally:
            redis.Redis.from_url(redis_url()).flushdb()
    return 0


if __name__ == "__main__":
    sys.exit(main())
