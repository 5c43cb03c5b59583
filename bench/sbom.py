"""SBOM benchmark: dockgate's native cataloger vs syft on the same `docker save` archives, one run.

    .venv/bin/python bench/sbom.py [--runs N] [--keep DIR]

Builds (or reuses) three images from the local bases — Debian + Python, Debian + Node, busybox +
a Go binary — saves each once, then times `dockgate sbom docker-archive:X` and
`syft docker-archive:X -o cyclonedx-json` as separate processes under /usr/bin/time (wall
seconds, peak RSS). Prints both figures, their ratio, and purl recall of ours against syft's,
listing every syft purl we do not report.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def _images_module():  # the test-image recipes live with the integration tests
    spec = importlib.util.spec_from_file_location(
        "sbom_test_images", ROOT / "tests/integration/sbom/images.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["sbom_test_images"] = module
    spec.loader.exec_module(module)
    return module


def timed(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one process."""
    out = subprocess.run(
        ["/usr/bin/time", "-f", "BENCH %e %M", *command],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"},
    )
    line = [x for x in out.stderr.splitlines() if x.startswith("BENCH ")][-1]
    _, wall, rss = line.split()
    return float(wall), int(rss) / 1024


def in_process(archive: Path) -> float:
    """Seconds the pipeline pays per image: imports done, open + catalog + CycloneDX + validation."""
    code = (
        "import sys, time\n"
        "from workers.image import open_image\n"
        "from workers.sbom import generate, to_json\n"
        "t = time.perf_counter()\n"
        "with open_image('docker-archive:' + sys.argv[1]) as image:\n"
        "    to_json(generate(image))\n"
        "print(time.perf_counter() - t)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(archive)], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def purls(path: Path) -> set[str]:
    return {c["purl"] for c in json.loads(path.read_text())["components"] if c.get("purl")}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=2, help="timed runs per tool and image (median shown)")
    parser.add_argument("--keep", type=Path, help="keep archives and SBOMs in this directory")
    args = parser.parse_args()
    import docker

    images = _images_module()
    client = docker.DockerClient(base_url=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"))
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-sbom-"))
    work.mkdir(parents=True, exist_ok=True)
    syft = str(VENV_BIN / "syft")
    rows = []
    for build in (images.pyapp, images.nodeapp, images.goapp):
        image = build(client)
        archive = images.save(client, image.tag, work)
        ours_out, syft_out = work / f"{image.key}.dockgate.cdx.json", work / f"{image.key}.syft.cdx.json"
        ours_cmd = [sys.executable, "-m", "app.cli", "sbom", f"docker-archive:{archive}", "-o", str(ours_out)]
        syft_cmd = [syft, "-q", f"docker-archive:{archive}", "-o", f"cyclonedx-json={syft_out}"]
        ours, theirs = [], []
        warm = []
        for _ in range(args.runs):  # interleaved so background load hits both alike
            ours.append(timed(ours_cmd))
            theirs.append(timed(syft_cmd))
            warm.append(in_process(archive))
        mine, peer = purls(ours_out), purls(syft_out)
        missed = sorted(peer - mine)
        rows.append((image, archive, ours, theirs, mine, peer, missed, warm))
    header = (
        "image",
        "archive",
        "ours s",
        "syft s",
        "ratio",
        "ours MiB",
        "syft MiB",
        "ours",
        "syft",
        "recall",
    )
    print("{:<9} {:>8} {:>7} {:>7} {:>6} {:>9} {:>9} {:>5} {:>5} {:>7}".format(*header))
    for image, archive, ours, theirs, mine, peer, _missed, _warm in rows:
        wall_o = statistics.median(w for w, _ in ours)
        wall_s = statistics.median(w for w, _ in theirs)
        rss_o, rss_s = max(r for _, r in ours), max(r for _, r in theirs)
        recall = len(peer & mine) / len(peer) if peer else 1.0
        size = f"{archive.stat().st_size / 2**20:.0f}MB"
        cells = (image.key, size, wall_o, wall_s, wall_o / wall_s, rss_o, rss_s, len(mine), len(peer), recall)
        print("{:<9} {:>8} {:>7.2f} {:>7.2f} {:>6.2f} {:>9.0f} {:>9.0f} {:>5} {:>5} {:>7.2%}".format(*cells))
    for image, _, ours, theirs, _, _, missed, warm in rows:
        print(f"\n{image.key}: {image.description}")
        print(f"  runs ours {[round(w, 2) for w, _ in ours]}  syft {[round(w, 2) for w, _ in theirs]}")
        print(f"  ours in-process (no interpreter start-up/imports) {[round(w, 2) for w in warm]}")
        print(f"  syft purls we miss ({len(missed)}): {', '.join(missed) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
