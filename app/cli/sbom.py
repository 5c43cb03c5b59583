"""`dockgate sbom` (placeholder until its issue lands)."""

from __future__ import annotations

from typing import Any

from app.cli._common import not_implemented


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "sbom", help="write a CycloneDX SBOM of an image", description="write a CycloneDX SBOM of an image"
    )
    parser.add_argument("image")
    parser.add_argument("--format")
    parser.add_argument("-o")
    parser.set_defaults(func=not_implemented("sbom"))
