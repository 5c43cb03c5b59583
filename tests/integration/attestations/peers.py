"""Locate the independent verifiers installed by scripts/install-peers (cosign, sigstore-js).

Missing peers fail the test under CI (env CI set) and skip it otherwise, with the fix in the message.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
LOCAL = REPO / "tests" / "sigstore_local"
CACHE = Path(os.environ.get("DOCKGATE_CACHE", Path.home() / ".cache" / "dockgate"))


def missing(what: str) -> None:
    message = f"{what} not found: run scripts/install-peers (installs into {CACHE})"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def node_modules() -> Path:
    digest = hashlib.sha256(
        (LOCAL / "package.json").read_bytes() + (LOCAL / "package-lock.json").read_bytes()
    )
    path = CACHE / "node" / digest.hexdigest()[:16]
    if shutil.which("node") is None or not (path / ".complete").exists():
        missing("sigstore-js npm packages")
    return path / "node_modules"


def cosign() -> Path:
    path = CACHE / "bin" / "cosign"
    if not path.exists():
        missing("cosign")
    return path


def node_env() -> dict[str, str]:
    return {**os.environ, "NODE_PATH": str(node_modules()), "NODE_NO_WARNINGS": "1"}


def run_cosign(
    *args: str, timeout: int = 120, cwd: Path | None = None, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/root"),
        "COSIGN_EXPERIMENTAL": "0",
        "SIGSTORE_NO_CACHE": "1",
    }
    env.update(extra_env or {})
    return subprocess.run(
        [str(cosign()), *args], capture_output=True, text=True, timeout=timeout, env=env, check=False, cwd=cwd
    )


def sigstore_js_verify(trust: Path, bundle: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(LOCAL / "verify.js"), str(trust), str(bundle), *extra],
        capture_output=True,
        text=True,
        timeout=60,
        env=node_env(),
        check=False,
    )
