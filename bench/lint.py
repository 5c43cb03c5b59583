"""Benchmark: dockgate lint vs hadolint on the same Dockerfiles, in one run.

Corpus: bench/corpus/*.Dockerfile (generated service Dockerfiles, hand-written edge cases, the
seed guides' Dockerfiles) plus examples/*/Dockerfile. Both tools get every file in ONE process
(`hadolint -f json FILES...`, `dockgate lint DIR --format json`); wall time is the median of
--repeat runs. The in-process figure is dockgate's engine alone (no interpreter start-up).

Agreement is measured where the rules mean the same thing: a finding is a (file, line) pair per
shared rule, agreement = |both| / |either|. Where a dockgate rule is broader than hadolint's
(DG105 also flags a missing USER, DG108 also flags ADD of URLs) only the overlapping meaning is
compared, and the extra findings are counted separately.

Usage: .venv/bin/python bench/lint.py [--repeat 5] [--hadolint PATH] [--show-disagreements]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workers.lint import lint_text  # noqa: E402

# dockgate rule -> (hadolint codes, filter on our finding selecting the shared meaning)
# hadolint's DL3025 also covers `HEALTHCHECK CMD` in shell form, which DG109 leaves alone (a health
# probe needs no signal handling); those hadolint findings are counted as "hadolint broader".
HADOLINT_BROADER: dict[str, Callable[[str], bool]] = {
    "DL3025": lambda instruction: instruction.upper().startswith("HEALTHCHECK"),
}
SHARED: dict[str, tuple[tuple[str, ...], Callable[[dict[str, Any]], bool]]] = {
    "DG101": (("DL3006", "DL3007"), lambda f: True),
    "DG105": (("DL3002",), lambda f: "last USER" in f["message"]),
    "DG108": (("DL3020",), lambda f: "ADD copies local files" in f["message"]),
    "DG109": (("DL3025",), lambda f: True),
    "DG111": (("DL3009",), lambda f: True),
    "DG113": (("DL3015",), lambda f: True),
    "DG114": (("DL3042",), lambda f: True),
    "DG116": (("DL3004",), lambda f: True),
    "DG120": (("DL4003", "DL4004"), lambda f: True),
    "DG121": (("DL3019",), lambda f: True),
    "DG122": (("DL4000",), lambda f: True),
}


def corpus() -> list[Path]:
    files = sorted((ROOT / "bench" / "corpus").glob("*.Dockerfile"))
    return files + sorted((ROOT / "examples").glob("*/Dockerfile"))


def _timed(cmd: list[str], cwd: Path, repeat: int) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[-500:]}")
        out = proc.stdout
    return statistics.median(times), out


def run(repeat: int, hadolint: str) -> dict[str, Any]:
    files = corpus()
    with tempfile.TemporaryDirectory(prefix="dockgate-bench-") as tmp:
        work = Path(tmp)
        names = {}
        for i, path in enumerate(files):  # one flat folder: same inputs for both tools
            name = f"{i:03d}-{path.parent.name if path.name == 'Dockerfile' else path.stem}.Dockerfile"
            shutil.copyfile(path, work / name)
            names[name] = path.relative_to(ROOT).as_posix()
        inputs = sorted(names)
        theirs_s, theirs_out = _timed(
            [hadolint, "--no-fail", "--no-color", "-f", "json", *inputs], work, repeat
        )
        ours_s, ours_out = _timed(
            [str(ROOT / ".venv/bin/dockgate"), "lint", ".", "--format", "json"], work, repeat
        )
        texts = [(work / n).read_text() for n in inputs]
    instructions = {name: _instruction_lines(text) for name, text in zip(inputs, texts, strict=True)}
    start = time.perf_counter()
    for _ in range(repeat):
        for name, text in zip(inputs, texts, strict=True):
            lint_text(text, name)
    in_process_s = (time.perf_counter() - start) / repeat
    ours = [{**f, "file": Path(f["path"]).name} for f in json.loads(ours_out)["findings"]]
    theirs = [{**f, "file": Path(f["file"]).name} for f in json.loads(theirs_out)]
    return {
        "files": len(inputs),
        "hadolint_s": theirs_s,
        "dockgate_cli_s": ours_s,
        "dockgate_in_process_s": in_process_s,
        "agreement": agreement(ours, theirs, instructions),
        "names": names,
    }


def _instruction_lines(text: str) -> dict[int, str]:
    """Line -> the instruction starting there (BuildKit's parser, as dockgate uses it)."""
    import dockerfile

    try:
        return {c.start_line: c.original for c in dockerfile.parse_string(text)}
    except dockerfile.GoParseError:
        return {}


def _hadolint_broader(finding: dict[str, Any], instructions: dict[str, dict[int, str]]) -> bool:
    test = HADOLINT_BROADER.get(finding["code"])
    return bool(test and test(instructions.get(finding["file"], {}).get(finding["line"], "")))


def agreement(
    ours: list[dict[str, Any]], theirs: list[dict[str, Any]], instructions: dict[str, dict[int, str]]
) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for rule, (codes, same) in SHARED.items():
        mine = {(f["file"], f["line"]) for f in ours if f["rule"] == rule and same(f)}
        shared = [f for f in theirs if f["code"] in codes]
        other = {(f["file"], f["line"]) for f in shared if not _hadolint_broader(f, instructions)}
        extra = sum(1 for f in ours if f["rule"] == rule and not same(f))
        rows[rule] = {
            "hadolint": "/".join(codes),
            "both": len(mine & other),
            "only_dockgate": sorted(mine - other),
            "only_hadolint": sorted(other - mine),
            "broader_dockgate": extra,
            "broader_hadolint": sum(1 for f in shared if _hadolint_broader(f, instructions)),
        }
    return rows


def report(result: dict[str, Any], show: bool) -> None:
    print(f"files: {result['files']} Dockerfiles (bench/corpus + examples), one process per tool, median")
    print(f"  hadolint           {result['hadolint_s'] * 1000:8.1f} ms")
    print(f"  dockgate lint CLI  {result['dockgate_cli_s'] * 1000:8.1f} ms  (includes Python start-up)")
    print(f"  dockgate in-proc   {result['dockgate_in_process_s'] * 1000:8.1f} ms  (engine only)")
    print("\nagreement on shared rules (file, line):")
    print(
        f"  {'rule':6} {'hadolint':15} {'both':>5} {'only dg':>8} {'only hl':>8} {'agree':>7}"
        f" {'dg broader':>10} {'hl broader':>10}"
    )
    total_both = total_union = 0
    for rule, row in result["agreement"].items():
        union = row["both"] + len(row["only_dockgate"]) + len(row["only_hadolint"])
        total_both, total_union = total_both + row["both"], total_union + union
        pct = 100.0 * row["both"] / union if union else 100.0
        print(
            f"  {rule:6} {row['hadolint']:15} {row['both']:5} {len(row['only_dockgate']):8} "
            f"{len(row['only_hadolint']):8} {pct:6.1f}% "
            f"{row['broader_dockgate']:10} {row['broader_hadolint']:10}"
        )
        if show:
            for who in ("only_dockgate", "only_hadolint"):
                for file, line in row[who]:
                    print(f"      {who}: {result['names'].get(file, file)}:{line}")
    print(f"  overall: {total_both}/{total_union} = {100.0 * total_both / max(total_union, 1):.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--hadolint", default=shutil.which("hadolint") or str(ROOT / ".venv/bin/hadolint"))
    parser.add_argument("--show-disagreements", action="store_true")
    args = parser.parse_args()
    report(run(args.repeat, args.hadolint), args.show_disagreements)


if __name__ == "__main__":
    main()
