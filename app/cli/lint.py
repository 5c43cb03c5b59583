"""`dockgate lint PATH [--format text|json|sarif] [--image IMAGE] [--target STAGE]`.

PATH is a Dockerfile or a folder (a repository: its `.dockgate.yml` images, targets and lint
overrides apply, and every Dockerfile-like file below it is linted). `--image` also checks a
built image (DG2xx). Exit 1 when any finding is at error level, 0 otherwise, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from attestations.errors import UsageError

logger = logging.getLogger(__name__)
_SKIP_DIRS = {".git", "node_modules", ".venv", "__pycache__", ".tox"}


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "lint",
        help="lint a Dockerfile (or a folder of them) and optionally its built image",
        description="Lint a Dockerfile (or every Dockerfile of a folder) and optionally its built image. "
        "Exit 1 when a rule at error level fails.",
    )
    parser.add_argument("path", help="a Dockerfile or a folder (repository root)")
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    parser.add_argument(
        "--image", help="also check this built image (local engine name, docker-archive:TAR, ...)"
    )
    parser.add_argument("--target", help="the stage that ships (default: the last stage)")
    parser.set_defaults(func=run)


def _is_dockerfile(path: Path) -> bool:
    name = path.name.lower()
    return name == "dockerfile" or name.startswith("dockerfile.") or name.endswith(".dockerfile")


def _folder_jobs(root: Path) -> tuple[list[tuple[Path, str | None, Path]], Any]:
    """(dockerfile, target, context) for a folder: configured images plus every Dockerfile-like file."""
    from workers.repoconfig import load_repo_config

    config = load_repo_config(root)
    jobs = {(root / s.dockerfile).resolve(): (s.target, root / s.context) for s in config.images}
    for path in sorted(root.rglob("*")):
        if (
            _is_dockerfile(path)
            and path.is_file()
            and not _SKIP_DIRS.intersection(path.relative_to(root).parts)
        ):
            jobs.setdefault(path.resolve(), (None, path.parent))
    return [(path, target, context) for path, (target, context) in sorted(jobs.items())], config.lint


def run(args: argparse.Namespace) -> int:
    from workers.lint import lint_dockerfile, to_json, to_sarif, to_text

    path = Path(args.path)
    if path.is_dir():
        jobs, lint_config = _folder_jobs(path)
        root = path
    elif path.is_file():
        jobs, lint_config, root = [(path, args.target, path.parent)], None, path.parent
    else:
        raise UsageError(f"{path} does not exist; pass a Dockerfile or a folder")
    findings = []
    for dockerfile, target, context in jobs:
        findings += lint_dockerfile(dockerfile, target=target, context=context, config=lint_config)
    if args.image:
        findings += _image_findings(args.image, jobs[0][0] if len(jobs) == 1 else None, lint_config)
    if args.format == "json":
        sys.stdout.write(to_json(findings))
    elif args.format == "sarif":
        sys.stdout.write(json.dumps(to_sarif(findings, root=root), indent=2) + "\n")
    else:
        sys.stdout.write(to_text(findings) or f"no findings in {len(jobs)} Dockerfile(s)\n")
    return 1 if any(f.level == "error" for f in findings) else 0


def _image_findings(image: str, dockerfile: Path | None, lint_config: Any) -> list[Any]:
    from workers.image import open_image  # imports docker: only when --image is used
    from workers.lint import check_image

    with open_image(image) as fs:
        return list(check_image(fs, dockerfile, config=lint_config))
