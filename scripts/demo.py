"""`make demo`: run dockgate on every example repository and say where the reports are.

Each example goes through `dockgate run` in-process (no GitHub, no Redis): build, lint, SBOM, scan,
sign, push to the staging registry, verify. A failing verdict is expected for the deliberately bad
examples, so the demo's own exit status only reflects infrastructure errors (exit 2).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "out" / "demo"


def main() -> int:
    dockgate = str(Path(sys.executable).parent / "dockgate")
    registry = os.environ.get("DOCKGATE_STAGING_REGISTRY", "127.0.0.1:5001")
    worst = 0
    examples = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())
    for example in examples:
        out = OUT / example.name
        print(f"\n=== dockgate run examples/{example.name}", flush=True)
        rc = subprocess.call([dockgate, "run", str(example), "--out", str(out), "--push", registry])
        verdict = {0: "PASS", 1: "FAIL (findings)"}.get(rc, f"ERROR (exit {rc})")
        print(f"--> {example.name}: {verdict}; report: {out / 'report.md'}", flush=True)
        worst = max(worst, 2 if rc not in (0, 1) else 0)
    print(f"\nReports are under {OUT}")
    return worst


if __name__ == "__main__":
    sys.exit(main())
