"""The worker loads the pipeline before forking work horses, so no job pays for imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_preload_imports_every_job_module_and_builds_the_sbom_validator() -> None:
    code = (
        "import sys; from workers.preload import MODULES, preload; preload();"
        "from workers.sbom.validation import _validator;"
        "missing = [m for m in MODULES if m not in sys.modules];"
        "print(missing, _validator.cache_info().currsize)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] 1"


def test_every_job_function_lives_in_a_preloaded_module() -> None:
    """A job module missing from MODULES would be imported in each forked horse again."""
    from workers.preload import MODULES

    funcs = set()
    for path in [*ROOT.joinpath("app", "webhooks").glob("*.py"), *ROOT.joinpath("workers").rglob("*.py")]:
        text = path.read_text()
        funcs.update(
            part.split('"')[1].rsplit(".", 1)[0]
            for part in text.split("func=")[1:]
            if part.startswith('"workers.')
        )
    assert funcs, "no job functions found: the scan is broken"
    assert funcs <= set(MODULES), funcs - set(MODULES)
