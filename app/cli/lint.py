"""`dockgate lint PATH [--format text|json|sarif] [--image IMAGE [--dockerfile F]] [--target STAGE]`.

PATH is a Dockerfile or a folder (a repository: its `.dockgate.yml` images, targets, build-args and
lint overrides apply, and every Dockerfile-like file below it is linted). A single Dockerfile gets
the same treatment from the `.dockgate.yml` found above it (see workers.lint.jobs). `--image`
also checks a built image (DG2xx) against the Dockerfile that built it, so findings keep their
lines. Exit 1 when any finding is at error level, 0 otherwise, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attestations.errors import UsageError

if TYPE_CHECKING:
    from workers.lint import Finding, LintConfig
    from workers.lint.jobs import LintJob, LintPlan

logger = logging.getLogger(__name__)


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
    parser.add_argument(
        "--dockerfile",
        help="with --image on a folder: the Dockerfile that built the image (default: the configured "
        "image whose name the image reference carries, or the folder's only Dockerfile)",
    )
    parser.add_argument(
        "--target", help="the stage that ships (default: the configured target, else the last stage)"
    )
    parser.set_defaults(func=run)


def _plan(args: argparse.Namespace) -> LintPlan:
    from workers.lint.jobs import plan_file, plan_folder, with_target

    path = Path(args.path)
    if path.is_dir():
        plan = plan_folder(path)
        if args.target:
            jobs = with_target(plan.jobs, args.target)
            if not any(job.target == args.target for job in jobs):
                raise UsageError(f"no Dockerfile under {path} defines a stage named {args.target!r}")
            plan = replace(plan, jobs=jobs)
        return plan
    if path.is_file():
        if args.dockerfile:
            raise UsageError("--dockerfile is for a folder PATH; PATH already names the Dockerfile")
        return plan_file(path, args.target)
    raise UsageError(f"{path} does not exist; pass a Dockerfile or a folder")


def _image_job(plan: LintPlan, args: argparse.Namespace) -> LintJob:
    """The job (Dockerfile, target, budget) that built `--image`; DG2xx lines come from its Dockerfile."""
    from workers.lint.jobs import job_for_image

    if args.dockerfile:
        wanted = (Path(args.path) / args.dockerfile).resolve()
        if not wanted.is_file():
            wanted = Path(args.dockerfile).resolve()
        job = next((j for j in plan.jobs if j.dockerfile.resolve() == wanted), None)
        if job is None:
            raise UsageError(f"--dockerfile {args.dockerfile} is not a Dockerfile under {args.path}")
        return job
    if len(plan.jobs) == 1:
        return plan.jobs[0]
    job = job_for_image(plan.jobs, args.image)
    if job is None:
        raise UsageError(
            f"{args.path} holds {len(plan.jobs)} Dockerfiles; pass --dockerfile to say which one built "
            f"{args.image} (or lint that Dockerfile directly)"
        )
    return job


def run(args: argparse.Namespace) -> int:
    from workers.lint import lint_dockerfile, to_json, to_sarif, to_text

    if args.dockerfile and not args.image:
        raise UsageError("--dockerfile only matters with --image")
    plan = _plan(args)
    image_job = _image_job(plan, args) if args.image else None
    findings: list[Finding] = []
    for job in plan.jobs:
        findings += lint_dockerfile(
            job.dockerfile,
            target=job.target,
            context=job.context,
            config=plan.config,
            build_args=job.build_args,
        )
    if image_job is not None:
        findings += _image_findings(args.image, image_job, plan.config)
    if args.format == "json":
        sys.stdout.write(to_json(findings))
    elif args.format == "sarif":
        sys.stdout.write(json.dumps(to_sarif(findings, root=plan.root), indent=2) + "\n")
    else:
        sys.stdout.write(to_text(findings) or f"no findings in {len(plan.jobs)} Dockerfile(s)\n")
    return 1 if any(f.level == "error" for f in findings) else 0


def _image_findings(image: str, job: LintJob, lint_config: LintConfig | None) -> list[Finding]:
    from workers.image import open_image  # imports docker: only when --image is used
    from workers.lint import check_image

    with open_image(image) as fs:
        return list(
            check_image(
                fs, job.dockerfile, target=job.target, config=lint_config, size_budget_mb=job.size_budget_mb
            )
        )
