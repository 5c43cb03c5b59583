"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
from typing import Any

from attestations.errors import NotImplementedYet


def not_implemented(name: str) -> Any:
    """A handler for a planned command that its issue has not delivered yet (exit 2)."""

    def handler(args: argparse.Namespace) -> int:
        raise NotImplementedYet(f"`dockgate {name}` is not implemented yet")

    return handler
