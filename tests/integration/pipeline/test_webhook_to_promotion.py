"""Issue 8's acceptance: pull request → check run with annotations; push to the default branch → promotion.

Real payloads are signed and posted to the Flask app, jobs run in an RQ worker on real Redis, the
example repository is served by the GitHub emulator's git endpoint, images are built on the real
dockerd, pushed to the staging registry, promoted to the production registry, and `dockgate verify`
checks the production copy.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from attestations.errors import ConfigError
from attestations.signing.keys import write_keypair
from tests.github_emulator import gitrepo
from tests.github_emulator.server import Emulator
from tests.integration.pipeline.conftest import EXAMPLES, run_cli
from tests.integration.webhooks.conftest import payload, work_until_completed
from workers import queues

pytestmark = [pytest.mark.docker, pytest.mark.registry, pytest.mark.redis, pytest.mark.slow]
PASSWORD = "correct horse battery staple"  # noqa: S105 - a test key's password


def _files(root: Path) -> dict[str, str | bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _retarget(data: dict[str, Any], sha: str, clone_url: str) -> bytes:
    """The real payload, aimed at the emulator's copy of the repository (loopback only) and its commit."""
    changed = json.loads(json.dumps(data))
    changed["repository"]["clone_url"] = clone_url
    if "pull_request" in changed:
        changed["pull_request"]["head"]["sha"] = sha
        changed["pull_request"]["head"]["repo"]["clone_url"] = clone_url
    else:
        changed["after"] = sha
        changed["head_commit"]["id"] = sha
    return json.dumps(changed).encode()


@pytest.fixture
def signing_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    key, pub = write_keypair(tmp_path / "dockgate", PASSWORD.encode())
    monkeypatch.setenv("DOCKGATE_SIGNING_KEY_PASSWORD", PASSWORD)
    return key, pub


def test_pull_request_gets_checked_then_merge_promotes(
    dockgate: Callable[..., Any],
    github_emulator: Emulator,
    emulated_repo: Callable[..., Any],
    staging_registry: str,
    prod_registry: str,
    prod_credentials_path: Path,
    vulndb: Path,
    signing_key: tuple[Path, Path],
    run_env: dict[str, str],
    base_images: Any,
    tmp_path: Path,
) -> None:
    _, body, pr = payload("pull_request/opened.json")
    full_name = pr["repository"]["full_name"]
    files = _files(EXAMPLES / "python-service")
    # Without its inline suppressions the Dockerfile warns (unpinned bases): annotations that do not fail.
    dockerfile = (
        bytes(files["Dockerfile"]).decode()
        if not isinstance(files["Dockerfile"], str)
        else files["Dockerfile"]
    )
    dockerfile = "".join(line for line in dockerfile.splitlines(True) if "dockgate: ignore" not in line)
    files["Dockerfile"] = dockerfile
    bare, sha = emulated_repo(full_name, files, installation_id=pr["installation"]["id"])
    harness = dockgate(
        image_pipeline="full",
        staging_registry=staging_registry,
        prod_registry=prod_registry,
        registry_credentials_path=prod_credentials_path,
        vulndb_path=vulndb,
        signing_key_path=signing_key[0],
        database_url=f"sqlite:///{tmp_path / 'index.db'}",
        public_url="https://dockgate.example",
    )

    # 1. The pull request: one check run per image, queued at once, then completed with a verdict.
    response = harness.post("pull_request", _retarget(pr, sha, github_emulator.clone_url(full_name)))
    assert response.status_code == 202, response.json
    harness.work()
    (run,) = github_emulator.runs(head_sha=sha)
    assert run["name"] == "dockgate/app"  # discovered root Dockerfile: the default image name
    assert run["status"] == "completed", run
    assert run["conclusion"] == "success", run["output"]["summary"][:3000]
    assert "Best practices" in run["output"]["summary"]
    annotations = github_emulator.annotations.get(run["id"], [])
    assert {(a["path"], a["annotation_level"]) for a in annotations} == {("Dockerfile", "warning")}
    from_lines = [i for i, line in enumerate(dockerfile.splitlines(), 1) if line.startswith("FROM ")]
    assert sorted(a["start_line"] for a in annotations) == from_lines
    assert "promoted" not in run["output"]["summary"].lower()  # a pull request never promotes
    # The full report is one click away: the run's details link is served by the audit API.
    path = f"/api/v1/reports/{full_name}/{sha}/app"
    assert run["details_url"] == f"https://dockgate.example{path}"
    report = harness.client.get(path)
    assert report.status_code == 200 and report.json["conclusion"] == "success", report.json

    # 2. "Promote" on the pull request's run: the sender may, but the gate refuses a feature-branch build.
    _, _, action = payload("check_run/requested_action.json")
    action["requested_action"]["identifier"] = "promote"
    action["check_run"].update(name=run["name"], id=run["id"], head_sha=sha)
    action.update(installation=pr["installation"], repository=pr["repository"])
    github_emulator.permissions[(full_name, action["sender"]["login"])] = "write"
    response = harness.post("check_run", json.dumps(action).encode())
    [job_id] = response.json["jobs"]
    harness.work()
    job = queues.fetch(harness.redis, job_id)
    assert job.return_value() == "refused", (
        job.latest_result().exc_string if job.latest_result() else job.get_status()
    )
    (refusal,) = [r for r in github_emulator.runs(head_sha=sha) if r["name"] == "dockgate/promote/app"]
    assert refusal["conclusion"] == "failure"
    assert "not the default branch" in refusal["output"]["summary"]

    # 3. The merge commit on the default branch is built, verified again and promoted.
    _, _, push = payload("push/branch-updated.derived.json")
    sha = gitrepo.commit(bare, {"MERGED": "pull request #2\n"}, message="Merge pull request #2")
    response = harness.post("push", _retarget(push, sha, github_emulator.clone_url(full_name)))
    assert response.status_code == 202, response.json
    harness.work()
    runs = [r for r in github_emulator.runs(head_sha=sha) if r["status"] == "completed"]
    summaries = "\n".join(r["output"]["summary"] for r in runs)
    assert "Promoted to" in summaries, summaries[-3000:]
    destination = summaries.split("Promoted to `", 1)[1].split("`", 1)[0]
    assert destination.startswith(f"{prod_registry}/")

    # 4. `dockgate verify` accepts the production copy with our key and every attestation type.
    types = [a for t in ("cyclonedx", "vuln", "slsaprovenance", "lint") for a in ("--type", t)]
    verified = run_cli("verify", destination, "--key", str(signing_key[1]), *types, env=run_env)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_github_502_on_patch_still_ends_in_one_correct_conclusion(
    dockgate: Callable[..., Any],
    github_emulator: Emulator,
    emulated_repo: Callable[..., Any],
    staging_registry: str,
    vulndb: Path,
    signing_key: tuple[Path, Path],
    base_images: Any,
    tmp_path: Path,
) -> None:
    _, _, pr = payload("pull_request/opened.json")
    full_name = pr["repository"]["full_name"]
    _, sha = emulated_repo(
        full_name, _files(EXAMPLES / "bad-service"), installation_id=pr["installation"]["id"]
    )
    harness = dockgate(
        image_pipeline="full",
        staging_registry=staging_registry,
        vulndb_path=vulndb,
        signing_key_path=signing_key[0],
        database_url=f"sqlite:///{tmp_path / 'index.db'}",
    )
    github_emulator.inject("checks/update", 502, {"message": "Server Error"}, times=3)
    response = harness.post("pull_request", _retarget(pr, sha, github_emulator.clone_url(full_name)))
    assert response.status_code == 202
    runs = work_until_completed(harness, github_emulator, sha)
    # The bad example fails its checks: that, and nothing else, is the conclusion.
    assert [(r["status"], r["conclusion"]) for r in runs] == [("completed", "failure")]
    assert "DG105" in runs[0]["output"]["summary"]
    assert len(github_emulator.calls("checks/update")) >= 4  # the 502s were really answered, then retried


def test_the_gate_trusts_the_verify_policy_file_for_key_rotation(
    vulndb: Path, signing_key: tuple[Path, Path], staging_registry: str, tmp_path: Path
) -> None:
    """DOCKGATE_VERIFY_POLICY replaces "the key we sign with" by a list of keys with windows."""
    from attestations.signing.keys import generate_key, key_hint, load_public_key, public_key_pem
    from workers.service_pipeline import FullPipeline
    from workers.settings import Settings

    old = generate_key().public_key()
    (tmp_path / "old.pub").write_bytes(public_key_pem(old))
    (tmp_path / "policy.yml").write_text(
        f"keys:\n  - {{path: old.pub, notAfter: 2026-12-31T00:00:00Z}}\n  - {signing_key[1]}\n"
    )
    env = {
        "DOCKGATE_STAGING_REGISTRY": staging_registry,
        "DOCKGATE_VULNDB": str(vulndb),
        "DOCKGATE_SIGNING_KEY_PATH": str(signing_key[0]),
        "DOCKGATE_SIGNING_KEY_PASSWORD": PASSWORD,
    }
    own = FullPipeline(Settings.from_env(env)).verification_policy()
    assert [key_hint(k) for k in own.public_keys] == [key_hint(load_public_key(signing_key[1]))]
    rotated = FullPipeline(
        Settings.from_env({**env, "DOCKGATE_VERIFY_POLICY": str(tmp_path / "policy.yml")})
    ).verification_policy()
    assert [key_hint(k) for k in rotated.public_keys] == [
        key_hint(old),
        key_hint(load_public_key(signing_key[1])),
    ]
    assert rotated.key_windows[key_hint(old)].not_after is not None
    with pytest.raises(ConfigError, match="DOCKGATE_VERIFY_POLICY"):
        Settings.from_env({**env, "DOCKGATE_VERIFY_POLICY": str(tmp_path / "missing.yml")})


def test_fork_jobs_are_routed_to_the_quarantine_namespace_and_never_offered_promotion(
    vulndb: Path, signing_key: tuple[Path, Path], staging_registry: str
) -> None:
    import dataclasses

    from workers.jobs import ImageJobContext
    from workers.repoconfig import PolicyConfig
    from workers.runreport import ImageRun
    from workers.service_pipeline import FullPipeline, outcome
    from workers.settings import Settings
    from workers.verdict import Verdict

    env = {
        "DOCKGATE_STAGING_REGISTRY": staging_registry,
        "DOCKGATE_VULNDB": str(vulndb),
        "DOCKGATE_SIGNING_KEY_PATH": str(signing_key[0]),
        "DOCKGATE_SIGNING_KEY_PASSWORD": PASSWORD,
    }
    pipeline = FullPipeline(Settings.from_env(env))
    ctx = ImageJobContext(
        1, "Acme/API", "https://x/acme/api.git", "a" * 40, "refs/pull/7/head", 7, False,
        "app", "Dockerfile", ".", 1, "https://api.github.com", lambda: "token",
    )  # fmt: skip
    assert pipeline.config(ctx).namespace == "quarantine/acme/api"
    assert pipeline.config(dataclasses.replace(ctx, trusted=True)).namespace == "acme/api"
    passed = ImageRun("app", "Dockerfile", "passed", Verdict(True, ()))
    assert PolicyConfig().require_signature
    fork = outcome(passed, promotable=False)
    assert not any(a.identifier == "promote" for a in fork.actions)
