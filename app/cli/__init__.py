"""The `dockgate` command line: argparse subcommands, each defined in a module of this package.

Exit codes are a contract: 0 clean, 1 findings or failed verification, 2 usage or infrastructure
errors. The document goes to stdout, logs and errors to stderr.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from app import __version__
from app.cli import lint, run, sbom, scan, serve, signing
from attestations.errors import DockgateError

logger = logging.getLogger(__name__)

COMMAND_MODULES = (serve, run, lint, sbom, scan, signing)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dockgate",
        description="Build, check, SBOM, scan, sign and gate container images.",
    )
    parser.add_argument("--version", action="version", version=f"dockgate {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging on stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except DockgateError as exc:
        print(f"dockgate: error: {exc.diagnostics()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dockgate: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
