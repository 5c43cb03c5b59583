"""workers.build on the real dockerd: examples, isolation, limits, timeout, mirror, failures."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from workers.build import BuildLimits, BuildResult, build_image
from workers.repoconfig import ImageSpec, load_repo_config

pytestmark = [pytest.mark.docker, pytest.mark.registry]  # bases come through the registry mirror
ROOT = Path(__file__).resolve().parents[3]
BUSYBOX = "dockgate-base/busybox:1.35"
PYTHON = "dockgate-base/python:3.11-bookworm"
# exit 42 when the staging registry on the host's loopback cannot be reached
PROBE = (
    'python3 -c "import socket, sys; s = socket.socket(); s.settimeout(5); '
    "sys.exit(42 if s.connect_ex(('127.0.0.1', 5001)) else 0)\""
)


def _repo(tmp_path: Path, dockerfile: str, **files: str) -> Path:
    (tmp_path / "Dockerfile").write_text(dockerfile)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


# Examples that build offline from what git holds (api-gateway and node-service need
# scripts/fetch-example-deps first, and api-gateway the network for apt).
OFFLINE_EXAMPLES = ("python-service", "bad-service", "eval-sandbox", "dashboard", "bad-node")


@pytest.fixture(scope="module")
def examples(docker_client: Any, base_images: dict[str, str]) -> dict[str, BuildResult]:
    out = {}
    for name in OFFLINE_EXAMPLES:
        root = ROOT / "examples" / name
        (spec,) = load_repo_config(root).images
        out[name] = build_image(
            spec, root, client=docker_client, tag=f"dockgate-test/build-{name}:it",
            base_mirror="127.0.0.1:5001/mirror",
            source="https://github.com/example/dockgate-examples", revision="0123456789abcdef",
        )  # fmt: skip
    return out


def test_examples_build_with_metadata(examples: dict[str, BuildResult], docker_client: Any) -> None:
    for name, result in examples.items():
        assert result.ok, result.log_tail()
        assert result.failure is None and result.image_id and result.image_id.startswith("sha256:")
        image = docker_client.images.get(result.tag)
        assert image.id == result.image_id and result.size == image.attrs["Size"] > 1_000_000
        assert list(result.layers) == image.attrs["RootFS"]["Layers"] and len(result.layers) >= 2
        labels = image.attrs["Config"]["Labels"]
        assert labels["org.opencontainers.image.revision"] == "0123456789abcdef"
        assert labels["org.opencontainers.image.source"].endswith("dockgate-examples")
        assert labels["org.opencontainers.image.created"].endswith("Z")
        assert result.base_images, name
        for base in result.base_images:
            assert base.digest and base.digest.startswith("sha256:") and base.image_id, (name, base)
            local = base.written.startswith("dockgate-base/")  # present in the engine: built as written
            expected = base.written if local else f"127.0.0.1:5001/mirror/library/{base.written}"
            assert base.built_from == expected, (name, base)
        assert result.duration_s > 0 and "Step 1/" in result.log


def test_rebuilding_a_commit_gives_the_same_image(
    examples: dict[str, BuildResult], docker_client: Any
) -> None:
    root = ROOT / "examples" / "python-service"
    (spec,) = load_repo_config(root).images
    again = build_image(
        spec, root, client=docker_client, source="https://github.com/example/dockgate-examples",
        revision="0123456789abcdef",
    )  # fmt: skip
    first = examples["python-service"]
    assert again.image_id == first.image_id  # created comes from the sources, not the clock
    assert again.labels == first.labels


def test_run_steps_have_no_network(tmp_path: Path, docker_client: Any, base_images: dict[str, str]) -> None:
    marker = uuid.uuid4().hex
    root = _repo(tmp_path, f"FROM {PYTHON}\nRUN echo {marker}\nRUN {PROBE}\n")
    spec = ImageSpec(name="net", network=True)  # opted in, but the caller did not say "trusted"
    result = build_image(spec, root, client=docker_client, timeout_s=120)
    assert not result.ok and result.failure is not None
    assert result.failure.rule == "DG100" and result.failure.line == 3
    assert "returned a non-zero code: 42" in result.failure.message


def test_trusted_opt_in_gets_the_network(
    tmp_path: Path, docker_client: Any, base_images: dict[str, str]
) -> None:
    root = _repo(tmp_path, f"FROM {PYTHON}\nRUN echo {uuid.uuid4().hex}\nRUN {PROBE}\n")
    result = build_image(ImageSpec(name="net", network=True), root, client=docker_client, network=True)
    assert result.ok, result.log_tail()


def test_memory_limit_kills_the_step(tmp_path: Path, docker_client: Any, base_images: dict[str, str]) -> None:
    marker = uuid.uuid4().hex  # no layer cache: the builder's cache key ignores limits
    root = _repo(
        tmp_path, f"FROM {BUSYBOX}\nRUN echo {marker} && dd if=/dev/zero bs=64M count=1 of=/dev/null\n"
    )
    result = build_image(ImageSpec(name="mem"), root, client=docker_client, limits=BuildLimits(memory_mb=16))
    assert result.failure is not None and "137" in result.failure.message and result.failure.line == 2
    ok = build_image(ImageSpec(name="mem"), root, client=docker_client, limits=BuildLimits(memory_mb=256))
    assert ok.ok, ok.log_tail()


def test_cpu_cap_limits_the_cores_a_build_step_sees(
    tmp_path: Path, docker_client: Any, base_images: dict[str, str]
) -> None:
    """DOCKGATE_BUILD_CPUS becomes a cpuset: the step is scheduled on that many cores only."""
    from workers.backends import build_limits_from_settings
    from workers.image import open_image
    from workers.settings import Settings

    limits = build_limits_from_settings(Settings.from_env({"DOCKGATE_BUILD_CPUS": "1"}))
    assert limits.cpuset is not None and "," not in limits.cpuset
    root = _repo(tmp_path, f"FROM {BUSYBOX}\nRUN echo {uuid.uuid4().hex} && nproc > /cores\n")
    result = build_image(ImageSpec(name="cpus"), root, client=docker_client, limits=limits)
    assert result.ok and result.image_id, result.log_tail()
    with open_image(result.image_id, docker_client=docker_client) as image:
        assert image.read("/cores").strip() == b"1"


@pytest.mark.slow
def test_timeout_cancels_and_kills(tmp_path: Path, docker_client: Any, base_images: dict[str, str]) -> None:
    marker = uuid.uuid4().hex[:8]
    root = _repo(tmp_path, f"FROM {BUSYBOX}\nRUN echo {marker} && sleep 40\n")
    started = time.monotonic()
    result = build_image(ImageSpec(name="slow"), root, client=docker_client, timeout_s=3)
    assert time.monotonic() - started < 15
    assert result.failure is not None and "timeout" in result.failure.message and result.failure.line == 2
    time.sleep(2)  # dockerd kills and removes the step container once it sees the client gone
    leftovers = [
        c for c in docker_client.containers.list(all=True) if marker in " ".join(c.attrs["Config"]["Cmd"])
    ]
    assert leftovers == []


def test_base_mirror_rewrite_records_digest(
    tmp_path: Path, docker_client: Any, base_images: dict[str, str]
) -> None:
    root = _repo(tmp_path, "ARG TAG=1.35\nFROM busybox:${TAG} AS base\nFROM base\nRUN true\n")
    lines: list[str] = []
    result = build_image(
        ImageSpec(name="mirrored"), root, client=docker_client, base_mirror="127.0.0.1:5001/mirror",
        log_sink=lines.append,
    )  # fmt: skip
    assert result.ok, result.log_tail()
    (base,) = result.base_images
    assert base.written == "busybox:1.35"
    assert base.built_from == "127.0.0.1:5001/mirror/library/busybox:1.35"
    assert base.digest and base.digest.startswith("sha256:") and base.image_id
    assert (
        (tmp_path / "Dockerfile").read_text().startswith("ARG TAG=1.35\nFROM busybox:")
    )  # user's file untouched
    assert any("127.0.0.1:5001/mirror/library/busybox:1.35" in line for line in lines)


def test_unparseable_and_missing_dockerfiles_are_findings(tmp_path: Path, docker_client: Any) -> None:
    root = _repo(tmp_path, f"FROM {BUSYBOX}\nRUN true\nFOO bar\n")
    result = build_image(ImageSpec(name="bad"), root, client=docker_client)
    assert (
        result.failure is not None
        and result.failure.line == 3
        and "unknown instruction" in result.failure.message
    )
    assert "http" not in result.failure.message  # the daemon's message, not the request URL
    missing = build_image(ImageSpec(name="x", context="nope"), root, client=docker_client)
    assert missing.failure is not None and "missing" in missing.failure.message
    (root / "outside").symlink_to(tmp_path.parent)  # a symlinked context must not escape the checkout
    escape = build_image(
        ImageSpec(name="x", context="outside", dockerfile="Dockerfile"), root, client=docker_client
    )
    assert escape.failure is not None and "outside the repository" in escape.failure.message


def test_log_is_kept_and_tail_is_bounded(examples: dict[str, BuildResult]) -> None:
    result = examples["python-service"]
    assert result.log_tail(200).startswith("[... truncated ...]") and len(result.log_tail(200)) < 230
    assert result.log_tail(10**6) == result.log
