"""`dockgate run PATH`: the whole pipeline on a local checkout, in-process (no GitHub, no Redis).

Progress goes to stderr while it runs; the report (text or JSON) to stdout; `--out DIR` keeps
report.json, report.md and, per image, the SBOM, vulnerability report, SARIF and signed bundles.
Exit 0 when every image passes, 1 when any fails, 2 on usage or infrastructure errors.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from attestations.errors import ConfigError, UsageError


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "run",
        help="run the whole pipeline on a local checkout, in-process",
        description="Build, lint, SBOM, scan, sign (and with --push, push and attach) every image of PATH.",
    )
    parser.add_argument(
        "path", type=Path, help="repository checkout (a folder with Dockerfiles or .dockgate.yml)"
    )
    parser.add_argument("--out", type=Path, help="folder for report.json, report.md and per-image evidence")
    parser.add_argument("--push", metavar="REGISTRY", help="push to this registry (host:port[/namespace])")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--db", type=Path, help="vulnerability database (default: DOCKGATE_VULNDB)")
    parser.add_argument("--image", action="append", default=[], help="only these image names (repeatable)")
    parser.add_argument("--no-sign", action="store_true", help="skip signing (the verdict then fails)")
    parser.set_defaults(func=run_command)


def _git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _engine() -> Any:
    import docker
    import docker.errors

    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        raise ConfigError(f"no Docker Engine answers at DOCKER_HOST: {exc}") from exc
    return client


def run_command(args: argparse.Namespace) -> int:
    # Imported here: the pipeline pulls in sigstore and the SBOM and scan engines, which other
    # commands (and `--help`) should not pay for.
    from workers import backends
    from workers.pipeline import Source
    from workers.repoconfig import load_repo_config
    from workers.runreport import summary
    from workers.settings import Settings

    root: Path = args.path.resolve()
    if not root.is_dir():
        raise UsageError(f"{args.path} is not a folder: give the root of a checkout")
    settings = Settings.from_env()
    repo_config = load_repo_config(root)
    images = [i for i in repo_config.images if not args.image or i.name in args.image]
    if not images:
        raise UsageError(f"no images to build in {root}: add a Dockerfile or list images in .dockgate.yml")
    vulndb = backends.vulndb_from_settings(settings, args.db)
    if vulndb is None:
        raise ConfigError(
            "no vulnerability database: pass --db FILE or set DOCKGATE_VULNDB "
            "(build one with `dockgate vulndb import PATH... --db FILE`)"
        )
    signer = None if args.no_sign else backends.signer_from_settings(settings, allow_local_key=True)
    verify_key = str(settings.signing_key_path or backends.config_home() / f"{backends.LOCAL_KEY_NAME}.pub")
    if settings.signing_key_path is not None:
        verify_key = verify_key.removesuffix(".key") + ".pub"
    cfg = backends.pipeline_config(
        settings,
        _engine(),
        registry=args.push,
        namespace="dockgate",
        signer=signer,
        vulndb=vulndb,
        out_dir=args.out,
        verify_key=verify_key,
    )
    source = Source(repository=root.name, commit=_git_commit(root), url=str(root), trusted=True)
    runs = [_run_one(spec, root, repo_config, cfg, source) for spec in images]
    document = {"path": str(root), "images": [r.to_json() for r in runs]}
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "report.json").write_text(json.dumps(document, indent=2) + "\n")
        (args.out / "report.md").write_text("\n".join(summary(r) for r in runs))
    if args.format == "json":
        print(json.dumps(document, indent=2))
    else:
        for run in runs:
            print(summary(run))
    return 0 if all(r.verdict.passed for r in runs) else 1


def _run_one(spec: Any, root: Path, repo_config: Any, cfg: Any, source: Any) -> Any:
    from workers.pipeline import run_image
    from workers.runreport import title

    started = time.perf_counter()

    def progress(stage: str) -> None:
        print(f"[{spec.name}] {stage} ({time.perf_counter() - started:.1f}s)", file=sys.stderr, flush=True)

    run = run_image(spec, root, repo_config, cfg, source, progress)
    print(f"[{spec.name}] {title(run)}", file=sys.stderr, flush=True)
    return run
