"""`dockgate serve` (the Flask app under gunicorn) and `dockgate worker` (RQ, with periodic jobs).

The worker also enqueues the janitor every minute and the redelivery sweeper every five minutes;
a Redis `SET NX` per period makes that happen once across any number of worker hosts.
"""

from __future__ import annotations

import argparse
import logging
import threading
from typing import Any

from attestations.errors import UsageError

logger = logging.getLogger(__name__)

PERIODIC = (
    ("workers.github.maintenance.janitor", 60),
    ("workers.github.maintenance.sweep_deliveries", 300),
)


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "serve",
        help="run the webhook + API server under gunicorn",
        description="run the webhook + API server under gunicorn (DOCKGATE_HOST, DOCKGATE_PORT)",
    )
    parser.add_argument("--host", help="address to bind (default DOCKGATE_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to bind (default DOCKGATE_PORT or 8080)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    parser.set_defaults(func=serve)
    parser = commands.add_parser(
        "worker",
        help="run an RQ worker for the pipeline queues",
        description="run an RQ worker for the dockgate queues (high, default, low) plus periodic jobs",
    )
    parser.add_argument(
        "--queues",
        default="high,default,low",
        help="comma-separated queues to serve, always in the order high, default, low (default: all); "
        "a worker with only `high` keeps plans and verdict posts fast while others build",
    )
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    parser.add_argument("--no-periodic", action="store_true", help="do not enqueue the janitor and sweeper")
    parser.set_defaults(func=worker)


def serve(args: argparse.Namespace) -> int:
    from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

    from app.factory import create_app
    from workers.settings import Settings

    settings = Settings.from_env()
    if args.workers < 1 or args.threads < 1:
        raise UsageError("--workers and --threads must be at least 1")
    flask_app = create_app(settings)
    bind = f"{args.host or settings.host}:{args.port or settings.port}"

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in gunicorn_options(bind, args.workers, args.threads).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return flask_app

    Server().run()
    return 0


def gunicorn_options(bind: str, workers: int, threads: int) -> dict[str, Any]:
    """The gunicorn settings `dockgate serve` uses (the benchmark runs its peer with the same)."""
    return {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 30,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }


def worker(args: argparse.Namespace) -> int:
    from rq import Worker
    from rq.serializers import JSONSerializer

    from workers import queues
    from workers.preload import preload
    from workers.settings import Settings

    names = worker_queues(args.queues)
    settings = Settings.from_env()
    connection = queues.connect(settings.redis_url, timeout=30.0)
    preload()  # before forking work horses: each job then starts with the pipeline loaded
    if settings.image_pipeline == "full":  # a bad key or unreachable Fulcio fails here, once, clearly
        from workers import backends

        backends.signer_from_settings(settings, validate=True)
    rq_worker = Worker(
        [queues.queue(n, connection) for n in names], connection=connection, serializer=JSONSerializer
    )
    if not args.no_periodic:
        stop = threading.Event()
        threading.Thread(target=_periodic, args=(connection, stop), daemon=True).start()
    rq_worker.work(burst=args.burst, with_scheduler=True, logging_level="WARNING")
    return 0


def worker_queues(spec: str) -> list[str]:
    """`high,default` → the RQ queue names, in dockgate's priority order; a usage error otherwise."""
    from workers import queues

    short = {name.removeprefix("dockgate-"): name for name in queues.QUEUE_NAMES}
    asked = [part.strip() for part in spec.split(",") if part.strip()]
    unknown = sorted(set(asked) - set(short))
    if unknown or not asked:
        raise UsageError(f"--queues: expected some of {', '.join(short)}; got {spec!r}")
    return [name for key, name in short.items() if key in asked]


def _periodic(connection: Any, stop: threading.Event) -> None:
    """Enqueue each periodic job once per period across all workers (a Redis lock per period)."""
    import time

    from workers import queues

    while not stop.wait(5.0):
        for func, period in PERIODIC:
            slot = int(time.time() // period)
            try:
                if connection.set(f"dockgate:periodic:{func}:{slot}", "1", nx=True, ex=period * 2):
                    spec = queues.JobSpec(
                        queue=queues.LOW,
                        func=func,
                        job_id=queues.job_id("periodic", func, slot),
                        timeout=max(period, 60),
                        retries=(),
                    )
                    queues.submit(connection, spec)
            except Exception:  # Redis away: try again next tick
                logger.warning("could not enqueue periodic job %s", func, exc_info=True)
