"""Benchmark: vulnerability DB build and SBOM scans of 100 / 1,000 / 10,000 components.

Data: the complete PyPA (2,661 YAML records) and Go (4,291 JSON records) OSV databases in
../shared/vulndb-full (6,952 records). SBOMs are synthetic CycloneDX 1.6 documents made from the
real package names in those databases: for each (package, version) pair a version is drawn
(seeded RNG) from the package's own OSV data - its `versions[]` entries and its range events
(introduced / fixed / last_affected) - so components land before, inside, on the boundaries of and
after affected ranges. Pairs are distinct purls; PyPI and Go packages alternate.

Peer: osv-scanner 2.2.4 (Google's OSV scanner; `GOBIN=~/.cache/dockgate/bin go install
github.com/google/osv-scanner/v2/cmd/osv-scanner@v2.2.4`, the newest that builds with Go 1.26),
run fully offline on the same SBOM files with a local DB made of the same records
(`--offline-vulnerabilities --local-db-path`, PyPA YAML converted to JSON inside each all.zip).
Each measurement runs in a fresh child process; peak memory is that child's max RSS.

Usage: .venv/bin/python bench/scan.py [--sizes 100,1000,10000] [--osv-scanner PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FULL = ROOT.parent / "shared" / "vulndb-full"
SOURCES = [FULL / "pypa-advisory-database", FULL / "go-vulndb" / "data" / "osv"]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_build(db: Path) -> dict[str, Any]:
    from workers.vulndb import import_sources

    start = time.perf_counter()
    stats = import_sources(SOURCES, db, fresh=True)
    return {"seconds": time.perf_counter() - start, "records": stats.records, "rss_mb": _rss_mb()}


def child_scan(db_path: Path, sbom: Path) -> dict[str, Any]:
    from workers.scan import open_db, scan_bom

    bom = json.loads(sbom.read_text())
    db = open_db(db_path)
    start, cpu = time.perf_counter(), time.process_time()
    cold = scan_bom(bom, db)
    cold_s, cold_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    warm = scan_bom(bom, db)
    warm_s, warm_cpu = time.perf_counter() - start, time.process_time() - cpu
    pairs = {(f.purl, f.id) for f in warm.findings}
    groups: dict[str, list[list[str]]] = {}
    for f in warm.findings:
        groups.setdefault(f"{f.package}\t{_bare(f.version)}", []).append(sorted(f.ids))
    return {
        "cold": cold_s,
        "warm": warm_s,
        "cold_cpu": cold_cpu,
        "warm_cpu": warm_cpu,
        "findings": len(cold.findings),
        "pairs": len(pairs),
        "skipped": len(warm.skipped),
        "rss_mb": _rss_mb(),
        "groups": groups,
    }


def _candidates(db_path: Path) -> dict[tuple[str, str], list[str]]:
    """(ecosystem, name) -> the versions its OSV data mentions."""
    import sqlite3

    out: dict[tuple[str, str], set[str]] = {}
    con = sqlite3.connect(db_path)
    for eco, name, ranges, versions in con.execute("SELECT ecosystem, name, ranges, versions FROM affected"):
        bucket = out.setdefault((eco, name), set())
        bucket.update(json.loads(versions))
        for rng in json.loads(ranges):
            if rng.get("type") in ("ECOSYSTEM", "SEMVER"):
                bucket.update(v for e in rng["events"] for v in e.values() if v not in ("0", "*"))
    con.close()
    return {k: sorted(v) for k, v in sorted(out.items()) if v}


def _purl(eco: str, name: str, version: str) -> str:
    if eco == "PyPI":
        return f"pkg:pypi/{name}@{version}"
    if name in ("stdlib", "toolchain"):  # as syft 1.18 writes them (no `go` prefix in the purl)
        return f"pkg:golang/{name}@{version}"
    return f"pkg:golang/{name}@v{version}"


def make_sbom(db_path: Path, size: int, out: Path) -> None:
    rng = random.Random(size)  # noqa: S311 - reproducible benchmark data, not crypto
    candidates = _candidates(db_path)
    by_eco = {e: [(k, v) for k, v in candidates.items() if k[0] == e] for e in ("PyPI", "Go")}
    seen: set[str] = set()
    components: list[dict[str, str]] = []
    turn = 0
    while len(components) < size:
        pool = by_eco[("PyPI", "Go")[turn % 2]]
        turn += 1
        (eco, name), versions = rng.choice(pool)
        purl = _purl(eco, name, rng.choice(versions))
        if purl not in seen:
            seen.add(purl)
            components.append(
                {
                    "type": "library",
                    "bom-ref": purl,
                    "name": name,
                    "purl": purl,
                    "version": purl.rsplit("@", 1)[1],
                }
            )
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": components}
    out.write_text(json.dumps(doc))


def _rfc3339(value: Any) -> str:
    """PyYAML turns unquoted timestamps into datetimes; osv-scanner wants RFC 3339 strings back."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def osv_local_db(into: Path) -> Path:
    """osv-scanner's offline layout: <dir>/osv-scanner/<Ecosystem>/all.zip of JSON records."""
    sys.path.insert(0, str(ROOT))
    from workers.vulndb.sources import read_source

    for eco, src in (("PyPI", SOURCES[0]), ("Go", SOURCES[1])):
        target = into / "osv-scanner" / eco
        target.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target / "all.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for loaded in read_source(src)[1]:
                for record in loaded.records:
                    archive.writestr(f"{record['id']}.json", json.dumps(record, default=_rfc3339))
    return into


def run_peer(binary: str, local_db: Path, sbom: Path) -> dict[str, Any]:
    cmd = [
        binary,
        "scan",
        "source",
        "--offline-vulnerabilities",
        "--local-db-path",
        str(local_db),
        "--format",
        "json",
        "-L",
        str(sbom),
    ]
    start = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M %U %S", *cmd], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    rss_kb, user, system = proc.stderr.strip().splitlines()[-1].split()
    if proc.returncode not in (0, 1):
        return {"error": proc.stderr.strip().splitlines()[-3:], "seconds": seconds}
    doc = json.loads(proc.stdout or "{}")
    groups: dict[tuple[str, str], list[set[str]]] = {}
    for result in doc.get("results") or ():
        for package in result.get("packages") or ():
            info = package.get("package", {})
            key = (_norm(info.get("name", ""), info.get("ecosystem", "")), _bare(info.get("version", "")))
            groups.setdefault(key, []).extend(set(g.get("ids") or ()) for g in package.get("groups") or ())
    return {
        "seconds": seconds,
        "cpu": float(user) + float(system),
        "rss_mb": int(rss_kb) / 1024,
        "groups": groups,
    }


def _norm(name: str, ecosystem: str) -> str:
    from packaging.utils import canonicalize_name

    return canonicalize_name(name) if ecosystem == "PyPI" else name


def _bare(version: str) -> str:
    return version.removeprefix("go").removeprefix("v")


def compare(
    ours: dict[tuple[str, str], list[set[str]]], theirs: dict[tuple[str, str], list[set[str]]]
) -> str:
    """Findings only one side reports, matched per package/version on any shared id or alias."""

    def missing(
        a: dict[tuple[str, str], list[set[str]]], b: dict[tuple[str, str], list[set[str]]]
    ) -> list[str]:
        out: list[str] = []
        for key, sets in a.items():
            names = set().union(*b.get(key, [set()]))
            out.extend(f"{key[0]}@{key[1]} {min(ids)}" for ids in sets if not ids & names)
        return out

    only_ours, only_theirs = missing(ours, theirs), missing(theirs, ours)
    stdlib = sum(1 for x in only_theirs if x.startswith(("stdlib@", "toolchain@")))
    return (
        f"only ours {len(only_ours)} (e.g. {', '.join(only_ours[:3])}); only peer {len(only_theirs)} "
        f"({stdlib} on stdlib/toolchain)"
    )


def _child(args: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument(
        "--osv-scanner",
        default=shutil.which("osv-scanner") or str(Path.home() / ".cache/dockgate/bin/osv-scanner"),
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        kind, *rest = args.child
        result = child_build(Path(rest[0])) if kind == "build" else child_scan(Path(rest[0]), Path(rest[1]))
        print(json.dumps(result))
        return 0
    peer = (
        args.osv_scanner
        if Path(args.osv_scanner).is_file() and os.access(args.osv_scanner, os.X_OK)
        else None
    )
    with tempfile.TemporaryDirectory(prefix="dockgate-bench-") as tmp_name:
        tmp = Path(tmp_name)
        db = tmp / "osv.sqlite"
        build = _child(["build", str(db)])
        print(
            f"DB build: {build['records']} records in {build['seconds']:.2f} s, "
            f"peak RSS {build['rss_mb']:.0f} MB, file {db.stat().st_size / 1e6:.1f} MB"
        )
        local_db = osv_local_db(tmp / "peer-db") if peer else None
        print(f"peer: {peer or 'osv-scanner not installed: see the module docstring'}")
        print(
            f"{'components':>10} | {'ours cold s (cpu)':>17} {'ours warm s (cpu)':>17} {'findings':>8} "
            f"{'findings/s':>10} {'RSS MB':>6} | {'peer s (cpu)':>13} {'peer findings':>13} {'RSS MB':>6}"
        )
        for size in (int(s) for s in args.sizes.split(",")):
            sbom = tmp / f"sbom-{size}.cdx.json"
            make_sbom(db, size, sbom)
            ours = _child(["scan", str(db), str(sbom)])
            rate = ours["findings"] / ours["warm"] if ours["warm"] else 0
            line = (
                f"{size:>10} | {ours['cold']:>7.3f} ({ours['cold_cpu']:>6.3f}) {ours['warm']:>8.3f} "
                f"({ours['warm_cpu']:>6.3f}) {ours['findings']:>8} {rate:>10.0f} {ours['rss_mb']:>6.0f} | "
            )
            if peer and local_db:
                theirs = run_peer(peer, local_db, sbom)
                if "error" in theirs:
                    print(line + f"peer error: {theirs['error']}")
                    continue
                count = sum(len(v) for v in theirs["groups"].values())
                line += (
                    f"{theirs['seconds']:>5.2f} ({theirs['cpu']:>5.2f}) {count:>13} {theirs['rss_mb']:>6.0f}"
                )
                mine = {tuple(k.split("\t")): [set(i) for i in v] for k, v in ours["groups"].items()}
                line += "\n" + " " * 12 + compare(mine, theirs["groups"])
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
