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


def test_worker_refuses_to_start_with_a_signer_that_cannot_sign(tmp_path: Path) -> None:
    """A wrong key password fails `dockgate worker` at start, once, not every pipeline job later."""
    import os

    from attestations.signing.keys import write_keypair

    key, _ = write_keypair(tmp_path / "dockgate", b"the right password")
    env = {
        **os.environ,
        "DOCKGATE_IMAGE_PIPELINE": "full",
        "DOCKGATE_SIGNING_KEY_PATH": str(key),
        "DOCKGATE_SIGNING_KEY_PASSWORD": "the wrong password",
        "REDIS_URL": "redis://127.0.0.1:9/0",  # never reached
    }
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", "worker", "--burst", "--no-periodic"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2, out.stderr[-2000:]
    assert "password" in out.stderr.lower() and "Traceback" not in out.stderr
