"""`dockgate lint` (placeholder until its issue lands)."""

from __future__ import annotations

from typing import Any

from app.cli._common import not_implemented


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "lint",
        help="lint a Dockerfile (or a folder of them) and optionally its built image",
        description="lint a Dockerfile (or a folder of them) and optionally its built image",
    )
    parser.add_argument("path")
    parser.add_argument("--format")
    parser.add_argument("--image")
    parser.set_defaults(func=not_implemented("lint"))
