"""`dockgate scan / vulndb` (placeholder until its issue lands)."""

from __future__ import annotations

from typing import Any

from app.cli._common import not_implemented


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "scan",
        help="scan an SBOM or image for known vulnerabilities",
        description="scan an SBOM or image for known vulnerabilities",
    )
    parser.add_argument("target")
    parser.add_argument("--db")
    parser.add_argument("--vex")
    parser.add_argument("--fail-on")
    parser.add_argument("--format")
    parser.set_defaults(func=not_implemented("scan"))
    parser = commands.add_parser(
        "vulndb",
        help="manage the offline OSV vulnerability database",
        description="manage the offline OSV vulnerability database",
    )
    parser.set_defaults(func=not_implemented("vulndb"))
