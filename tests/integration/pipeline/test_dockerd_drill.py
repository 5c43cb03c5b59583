"""Failure drill: the Docker Engine dies in the middle of a build.

A private dockerd (its own socket, data and exec roots; started and killed by this test only) builds
an image whose RUN step takes long; the engine is SIGKILLed mid-build. The pipeline must come back
promptly with a failed or retryable result and never report the image as built or passing.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from attestations.errors import TransientError
from workers.pipeline import PipelineConfig, Source, run_image
from workers.repoconfig import load_repo_config

pytestmark = [pytest.mark.docker, pytest.mark.slow]
BASE = "dockgate-base/busybox:1.35"


@pytest.fixture
def private_dockerd(docker_client: Any, base_images: Any) -> Iterator[tuple[Any, Path]]:
    if shutil.which("dockerd") is None:
        pytest.fail("dockerd is not installed: run scripts/services up", pytrace=False)
    root = Path(tempfile.mkdtemp(prefix="dg-dockerd-", dir="/tmp"))
    sock, pidfile = root / "d.sock", root / "d.pid"
    log = (root / "dockerd.log").open("wb")
    proc = subprocess.Popen(
        [
            "dockerd",
            "--bridge=none",
            "--iptables=false",
            "--ip-masq=false",
            "-H",
            f"unix://{sock}",
            "--data-root",
            str(root / "data"),
            "--exec-root",
            str(root / "exec"),
            "--pidfile",
            str(pidfile),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    client: Any = None
    try:
        for _ in range(150):
            try:
                client = docker.DockerClient(base_url=f"unix://{sock}", timeout=120)
                client.ping()
                break
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.2)
        else:
            pytest.fail(f"private dockerd did not start: {(root / 'dockerd.log').read_text()[-2000:]}")
        image = docker_client.images.get(BASE)
        client.images.load(b"".join(image.save(named=True)))
        yield client, pidfile
    finally:
        if client is not None:
            client.close()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        log.close()
        for mounted in ("exec", "data"):
            subprocess.run(["umount", "-R", str(root / mounted)], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def test_engine_killed_mid_build_never_yields_a_passing_image(
    private_dockerd: tuple[Any, Path], tmp_path: Path
) -> None:
    client, pidfile = private_dockerd
    (tmp_path / "Dockerfile").write_text(f"FROM {BASE}\nUSER 1000\nRUN sleep 60\n")
    (tmp_path / ".dockerignore").write_text(".git\n.env\n")
    repo_config = load_repo_config(tmp_path, default_name="drill")
    cfg = PipelineConfig(engine=client, builder_id="https://dockgate.test/builder", build_timeout_s=120)

    def kill_engine() -> None:
        time.sleep(4)
        os.kill(int(pidfile.read_text().strip()), signal.SIGKILL)

    killer = threading.Thread(target=kill_engine)
    killer.start()
    started = time.monotonic()
    try:
        run = run_image(
            repo_config.images[0], tmp_path, repo_config, cfg, Source("acme/drill", trusted=False)
        )
    except TransientError as exc:  # the job is retried; the failure callback concludes the check run
        assert "engine" in exc.diagnostics().lower() or "docker" in exc.diagnostics().lower(), (
            exc.diagnostics()
        )
    else:
        assert run.status == "failed" and run.conclusion == "failure"
        assert run.build_error, run
        assert run.image_id is None and run.digest is None
    finally:
        killer.join()
    assert time.monotonic() - started < 90  # no hang waiting for a dead engine
