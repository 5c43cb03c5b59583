"""`dockgate serve / worker` (placeholder until its issue lands)."""

from __future__ import annotations

from typing import Any

from app.cli._common import not_implemented


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "serve",
        help="run the webhook + API server under gunicorn",
        description="run the webhook + API server under gunicorn",
    )
    parser.add_argument("--host")
    parser.add_argument("--port")
    parser.add_argument("--workers")
    parser.set_defaults(func=not_implemented("serve"))
    parser = commands.add_parser(
        "worker",
        help="run an RQ worker for the pipeline queues",
        description="run an RQ worker for the pipeline queues",
    )
    parser.set_defaults(func=not_implemented("worker"))
