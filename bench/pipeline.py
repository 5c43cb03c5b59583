"""Pipeline overhead beyond `docker build`, per stage, on the examples/ images.

For each example the same run measures, back to back on the same warm engine cache:
  - the peer: a bare `docker build` of the example (docker CLI, network none, mirror-rewritten bases);
  - dockgate: `workers.pipeline.run_image` (lint, build, push, image checks, SBOM, scan, attest, index).
It prints every stage's time, dockgate's total, the bare build's time and the overhead (total - build
stage), and the ratio of dockgate's total to the bare build. Goal: overhead <= 3 s for a 150 MB image.

Run: `eval "$(scripts/services env)"; .venv/bin/python bench/pipeline.py [example ...]`
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from attestations.oci import load_credentials  # noqa: E402
from attestations.signing.key_signer import KeySigner  # noqa: E402
from attestations.signing.keys import generate_key  # noqa: E402
from workers.build_dockerfile import prepare  # noqa: E402
from workers.image import LayerCache, open_image  # noqa: E402
from workers.pipeline import STAGES, PipelineConfig, Source, run_image  # noqa: E402
from workers.preload import preload  # noqa: E402
from workers.repoconfig import load_repo_config  # noqa: E402
from workers.scan import open_db  # noqa: E402

DEFAULT = ["python-service", "eval-sandbox", "dashboard", "node-service"]


def bare_build(example: Path, mirror: str) -> float:
    """`docker build` of the example as a user would run it (bases rewritten to the mirror)."""
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Path(tmp) / "ctx"
        shutil.copytree(example, ctx)
        text = (ctx / "Dockerfile").read_text()
        text = re.sub(
            r"(?m)^FROM (?!dockgate-base/)([a-z0-9]+)(:\S+)?",
            lambda m: f"FROM {mirror}/library/{m.group(1)}{m.group(2) or ':latest'}",
            text,
        )
        (ctx / "Dockerfile").write_text(text)
        started = time.perf_counter()
        subprocess.run(
            ["docker", "build", "-q", "--network", "none", str(ctx)], check=True, capture_output=True
        )
        return time.perf_counter() - started


def warm_bases(example: Path, mirror: str, registry: str, cache: LayerCache) -> int:
    """Put the example's base images in the layer cache, as any earlier build on them would have."""
    bases = prepare((example / "Dockerfile").read_text(), {}, mirror).bases
    for written, built in bases.items():
        ref = f"{registry}/{written}" if written.startswith("dockgate-base/") else built
        open_image(f"registry:{ref}", layer_cache=cache).close()
    return cache.size_bytes()


def main(names: list[str]) -> None:
    mirror = os.environ.get("DOCKGATE_BASE_MIRROR", "127.0.0.1:5001/mirror")
    registry = os.environ.get("DOCKGATE_STAGING_REGISTRY", "127.0.0.1:5001")
    db_path = Path(os.environ.get("DOCKGATE_VULNDB", ROOT / ".state" / "vulndb.sqlite"))
    if not db_path.is_file():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "app.cli",
                "vulndb",
                "import",
                str(ROOT.parent / "shared" / "vulndb"),
                "--db",
                str(db_path),
            ],
            check=True,
            capture_output=True,
        )
    creds_file = os.environ.get("DOCKGATE_REGISTRY_CREDENTIALS")
    cfg = PipelineConfig(
        engine=docker.from_env(),
        builder_id="https://bench.dockgate.test/builder",
        registry=registry,
        namespace="bench",
        signer=KeySigner(generate_key()),
        credentials=load_credentials(Path(creds_file)) if creds_file else {},
        vulndb=open_db(db_path),
        base_mirror=mirror,
    )
    print(f"worker preload (once per worker, before its first job): {preload():.2f} s")
    header = ["image", "size MB", *STAGES, "dockgate", "docker build", "overhead", "ratio"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name in names:
        example = ROOT / "examples" / name
        peer = bare_build(example, mirror)  # warms the cache too, so both sides build from cache
        peer = min(peer, bare_build(example, mirror))
        repo_config = load_repo_config(example)
        with tempfile.TemporaryDirectory() as cache_dir:
            # A fresh cache holding only the bases: the image's own layers are fetched and inflated.
            cache = LayerCache(Path(cache_dir))
            warm_bases(example, mirror, registry, cache)
            run = run_image(
                repo_config.images[0],
                example,
                repo_config,
                dataclasses.replace(cfg, layer_cache=cache),
                Source(name, trusted=True),
            )
        times = {t.name: t.seconds for t in run.timings}
        total = sum(times.values())
        overhead = total - times.get("build", 0.0)
        cells = [
            name,
            f"{(run.size_bytes or 0) / 1e6:.0f}",
            *(f"{times.get(s, 0.0):.2f}" for s in STAGES),
            f"{total:.2f}",
            f"{peer:.2f}",
            f"{overhead:.2f}",
            f"{total / peer:.1f}x",
        ]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or DEFAULT)
