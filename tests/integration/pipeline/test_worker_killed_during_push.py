"""Failure drill: the worker dies (SIGKILL) after pushing the image, before its evidence is attached.

While it is dead, the staging digest carries no verifiable attestations, so the promotion gate (and
any verifier) refuses it. After the job is declared abandoned and retried, the same commit builds
the same digest, the evidence is attached, and exactly one check run completes, successfully.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from attestations.oci import RegistryClient, parse_reference
from attestations.policy import VerificationPolicy
from attestations.signing.keys import load_public_key, write_keypair
from attestations.verify import verify_image
from tests.github_emulator.plugin import settings_env
from tests.github_emulator.server import Emulator
from tests.integration.pipeline.conftest import EXAMPLES, ROOT
from tests.integration.webhooks.conftest import payload, run_worker_until_marked_then_kill
from workers import jobs
from workers.github import maintenance
from workers.promote import REQUIRED

pytestmark = [pytest.mark.docker, pytest.mark.registry, pytest.mark.redis, pytest.mark.slow]
PASSWORD = "drill key password"  # noqa: S105 - a test key's password


def _files(root: Path) -> dict[str, str | bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_worker_killed_between_push_and_attest(
    dockgate: Callable[..., Any],
    github_emulator: Emulator,
    emulated_repo: Callable[..., Any],
    staging_registry: str,
    vulndb: Path,
    base_images: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key, pub = write_keypair(tmp_path / "dockgate", PASSWORD.encode())
    monkeypatch.setenv("DOCKGATE_SIGNING_KEY_PASSWORD", PASSWORD)
    marker = tmp_path / "first-attempt"
    monkeypatch.setenv("DOCKGATE_TEST_MARKER", str(marker))
    _, body, pr = payload("pull_request/opened.json")
    full_name = pr["repository"]["full_name"]
    _, sha = emulated_repo(
        full_name, _files(EXAMPLES / "python-service"), installation_id=pr["installation"]["id"]
    )
    data = {**pr, "repository": {**pr["repository"], "clone_url": github_emulator.clone_url(full_name)}}
    data["pull_request"] = {**pr["pull_request"], "head": {**pr["pull_request"]["head"], "sha": sha}}
    data["pull_request"]["head"]["repo"] = {
        **data["pull_request"]["head"]["repo"],
        "clone_url": github_emulator.clone_url(full_name),
    }
    harness = dockgate(
        image_pipeline="tests.integration.pipeline.pipelines:stalls_at_attest",
        staging_registry=staging_registry,
        vulndb_path=vulndb,
        signing_key_path=key,
        database_url=f"sqlite:///{tmp_path / 'index.db'}",
    )
    import json

    assert harness.post("pull_request", json.dumps(data).encode()).status_code == 202
    env = {**os.environ, **settings_env(harness.settings), "PYTHONPATH": str(ROOT)}
    run_worker_until_marked_then_kill(env, marker, tmp_path / "worker.log", timeout=240)

    # The image is in staging, but nothing a verifier would accept is attached to it.
    tagged = parse_reference(f"{staging_registry}/{full_name.lower()}/app:{sha[:12]}")
    client = RegistryClient(staging_registry)
    digest = client.get_manifest(tagged.repository, tagged.reference).digest
    policy = VerificationPolicy(public_keys=(load_public_key(pub),), required_predicate_types=REQUIRED)
    pushed = f"{staging_registry}/{tagged.repository}@{digest}"
    assert not verify_image(pushed, policy, client).ok

    # The job is abandoned (heartbeat lapsed), retried, and finishes the same digest with its evidence.
    jobs.reset_runtime()
    maintenance.janitor(now=time.time() + 3600)
    harness.work()
    runs = github_emulator.runs(head_sha=sha)
    assert [(r["name"], r["status"], r["conclusion"]) for r in runs] == [
        ("dockgate/app", "completed", "success")
    ]
    assert digest in runs[0]["output"]["summary"]
    assert verify_image(pushed, policy, client).ok
