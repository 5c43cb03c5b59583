"""`dockgate run` (placeholder until its issue lands)."""

from __future__ import annotations

from typing import Any

from app.cli._common import not_implemented


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "run",
        help="run the whole pipeline on a local checkout, in-process",
        description="run the whole pipeline on a local checkout, in-process",
    )
    parser.add_argument("path")
    parser.add_argument("--out")
    parser.add_argument("--push")
    parser.add_argument("--format")
    parser.set_defaults(func=not_implemented("run"))
