"""Build one image of a repository through the Docker Engine API, safely and without crashing.

A pull request's Dockerfile is untrusted code: RUN steps get no network (`network_mode="none"`)
unless the image opts in *and* the caller says the branch is trusted, memory/CPU are capped, and
a wall-clock timeout closes the build stream, which makes dockerd cancel the build and kill its
step container. A failed build is a value (a DG100 finding at the failing step's line), never an
exception, so the pipeline can still report it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from attestations.errors import TransientError
from workers.build_dockerfile import PreparedDockerfile, failing_line, prepare
from workers.lint.findings import Finding, make
from workers.lint.imageref import parse_ref
from workers.repoconfig import ImageSpec

logger = logging.getLogger(__name__)

MAX_LOG_CHARS = 1 << 20
CHECK_RUN_LOG_CHARS = 60_000  # GitHub caps check-run text at 65,535 characters


@dataclass(frozen=True)
class BuildLimits:
    memory_mb: int = 2048
    cpu_shares: int = 512  # relative weight; 1024 is a full share
    cpuset: str | None = None  # e.g. "0" to pin builds to one core


@dataclass(frozen=True)
class BaseImage:
    """A base image the build actually used: provenance records these as resolved dependencies."""

    written: str  # as the Dockerfile names it (ARGs expanded)
    built_from: str  # after the mirror rewrite
    image_id: str | None
    digest: str | None  # sha256:... from the image's RepoDigests, when it came from a registry


@dataclass(frozen=True)
class BuildResult:
    spec: ImageSpec
    ok: bool
    image_id: str | None
    tag: str | None
    size: int
    layers: tuple[str, ...]  # diff ids, base first
    duration_s: float
    base_images: tuple[BaseImage, ...]
    log: str
    failure: Finding | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    digest: str | None = None  # set once pushed

    def log_tail(self, limit: int = CHECK_RUN_LOG_CHARS) -> str:
        """The end of the build log, where failures are, sized for a check run."""
        return self.log if len(self.log) <= limit else "[... truncated ...]\n" + self.log[-limit:]


class _Log:
    """Collects the streamed log (bounded, keeping head and tail) and forwards lines to a sink."""

    def __init__(self, sink: Callable[[str], None] | None) -> None:
        self.lines: list[str] = []
        self.size = 0
        self.dropped = 0
        self.sink = sink

    def add(self, text: str) -> None:
        for line in text.splitlines():
            if not line.strip():
                continue
            if self.sink:
                self.sink(line)
            self.lines.append(line)
            self.size += len(line) + 1
            while self.size > MAX_LOG_CHARS and len(self.lines) > 200:
                self.size -= len(self.lines.pop(100)) + 1
                self.dropped += 1

    def text(self) -> str:
        if self.dropped:
            head, tail = self.lines[:100], self.lines[100:]
            return "\n".join([*head, f"[... {self.dropped} lines dropped ...]", *tail]) + "\n"
        return "\n".join(self.lines) + ("\n" if self.lines else "")


def source_date(root: Path, environ: Mapping[str, str] | None = None) -> dt.datetime:
    """The build's timestamp: SOURCE_DATE_EPOCH, else the last commit touching `root`, else now.

    A timestamp from the sources keeps rebuilds of one commit byte-identical (same labels, so the
    builder's cache yields the same image and digest), as reproducible-builds.org recommends.
    """
    env = os.environ if environ is None else environ
    epoch = env.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        try:
            proc = subprocess.run(
                ["git", "-C", str(root), "log", "-1", "--format=%ct", "--", "."],
                capture_output=True, text=True, timeout=10, check=False,
            )  # fmt: skip
            epoch = proc.stdout.strip() if proc.returncode == 0 else ""
        except (OSError, subprocess.SubprocessError):
            epoch = ""
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC)


def oci_labels(
    source: str | None, revision: str | None, extra: Mapping[str, str] | None, created: dt.datetime
) -> dict[str, str]:
    labels = {"org.opencontainers.image.created": created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if source:
        labels["org.opencontainers.image.source"] = source
    if revision:
        labels["org.opencontainers.image.revision"] = revision
    return {**labels, **(extra or {})}


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _present(client: Any) -> Callable[[str], bool]:
    import docker.errors

    def check(ref: str) -> bool:
        try:
            client.images.get(ref)
        except docker.errors.ImageNotFound:
            return False
        return True

    return check


def _capture(api: Any) -> threading.local:
    """Make `api.build` hand us its HTTP response (per thread) so a timeout can close it.

    docker-py exposes no handle on the streaming response; `_stream_helper` receives it.
    """
    local: threading.local | None = getattr(api, "_dockgate_capture", None)
    if local is None:
        local = threading.local()
        original = api._stream_helper

        def helper(response: Any, decode: bool = False) -> Any:
            sink = getattr(local, "responses", None)
            if sink is not None:
                sink.append(response)
            return original(response, decode=decode)

        api._stream_helper = helper
        api._dockgate_capture = local
    return local


def _hang_up(response: Any) -> None:
    """Shut the build connection down; a plain close() does not wake a thread blocked in recv()."""
    try:
        sock = response.raw._fp.fp.raw._sock
        sock.shutdown(socket.SHUT_RDWR)
    except (AttributeError, OSError):
        logger.debug("could not shut the build socket down; closing the response", exc_info=True)
    response.close()


def _stream(api: Any, kwargs: dict[str, Any], log: _Log, timeout_s: float) -> tuple[str | None, str | None]:
    """Run the build; (image id, error text). The stream is read in a thread so we can time out."""
    state: dict[str, str | None] = {"id": None, "error": None}
    local = _capture(api)
    responses: list[Any] = []

    def worker() -> None:
        local.responses = responses
        try:
            for chunk in api.build(**kwargs):
                if "stream" in chunk:
                    log.add(str(chunk["stream"]))
                elif "aux" in chunk and isinstance(chunk["aux"], dict) and "ID" in chunk["aux"]:
                    state["id"] = str(chunk["aux"]["ID"])
                elif "error" in chunk:
                    state["error"] = str(chunk["error"]).strip()
                    log.add(f"ERROR: {state['error']}")
                elif "status" in chunk:
                    log.add(f"{chunk['status']} {chunk.get('id', '')}".strip())
        except Exception as exc:  # the engine or the connection failed mid-build
            # APIError.explanation is the daemon's message; str(exc) would carry the request URL.
            reason = getattr(exc, "explanation", None) or type(exc).__name__
            state["error"] = state["error"] or f"the engine rejected the build: {reason}"
        finally:
            local.responses = None

    thread = threading.Thread(target=worker, name="dockgate-build", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        for response in responses:
            _hang_up(response)  # dockerd sees the client go, cancels the build, kills the step
        thread.join(30)
        state["error"] = f"the build exceeded its {timeout_s:.0f} s timeout and was cancelled"
        log.add(f"ERROR: {state['error']}")
    return state["id"], state["error"]


def _base_images(client: Any, prepared: PreparedDockerfile) -> tuple[BaseImage, ...]:
    out = []
    for written, built in prepared.bases.items():
        try:
            attrs = client.images.get(built).attrs
        except Exception:  # noqa: BLE001 - a base we cannot inspect is recorded without digest
            out.append(BaseImage(written, built, None, None))
            continue
        digests = [d for d in attrs.get("RepoDigests") or [] if d.split("@", 1)[0] == _repository(built)]
        digest = (digests or attrs.get("RepoDigests") or [None])[0]
        out.append(BaseImage(written, built, attrs.get("Id"), digest.split("@", 1)[1] if digest else None))
    return tuple(out)


def _repository(ref: str) -> str:
    try:
        parsed = parse_ref(ref)
    except ValueError:
        return ref
    return f"{parsed.registry}/{parsed.repository}" if parsed.registry else parsed.repository


def build_image(
    spec: ImageSpec,
    root: Path,
    *,
    client: Any = None,
    network: bool = False,
    limits: BuildLimits = BuildLimits(),  # noqa: B008 - frozen, so sharing the default is safe
    timeout_s: float = 1800.0,
    labels: Mapping[str, str] | None = None,
    base_mirror: str | None = None,
    log_sink: Callable[[str], None] | None = None,
    tag: str | None = None,
    source: str | None = None,
    revision: str | None = None,
    trusted_network_mode: str = "host",
    created: dt.datetime | None = None,
) -> BuildResult:
    """Build `spec` from the checkout at `root`; failures come back as `BuildResult.failure`.

    `network=True` lets RUN steps reach the network only if the spec also opts in
    (`images[].network`); pass it for trusted branches only. They then run with
    `trusted_network_mode` ("host" by default: dockerd may run without a bridge).
    `created` (default: :func:`source_date`) is the `org.opencontainers.image.created` label.
    """
    started = time.monotonic()
    all_labels = oci_labels(source, revision, labels, created or source_date(root))
    tag = tag or f"dockgate-build/{spec.name}:{(revision or 'dev')[:12]}"
    log = _Log(log_sink)

    def failed(detail: str, line: int | None = None, bases: tuple[BaseImage, ...] = ()) -> BuildResult:
        finding = make("DG100", spec.dockerfile, line, spec.target, detail)
        return BuildResult(spec, False, None, None, 0, (), time.monotonic() - started, bases, log.text(),
                           finding, all_labels)  # fmt: skip

    context, dockerfile = root / spec.context, root / spec.dockerfile
    if not (_inside(root, context) and _inside(root, dockerfile)) or not dockerfile.is_file():
        return failed(f"{spec.dockerfile} (context {spec.context}) is missing or outside the repository")
    if client is None:
        import docker.client
        import docker.errors

        try:
            client = docker.client.DockerClient.from_env()
        except docker.errors.DockerException as exc:
            raise TransientError(f"cannot reach the Docker Engine ({exc}); check DOCKER_HOST") from exc
    text = dockerfile.read_text(encoding="utf-8", errors="replace")
    prepared = prepare(text, spec.build_args, base_mirror, _present(client))
    with tempfile.TemporaryDirectory(prefix="dockgate-build-") as tmp:
        built_dockerfile = Path(tmp) / "Dockerfile"
        built_dockerfile.write_text(prepared.text, encoding="utf-8")
        mode = trusted_network_mode if (network and spec.network) else "none"
        kwargs = _build_kwargs(spec, context, built_dockerfile, prepared, tag, all_labels, mode, limits)
        logger.info("building %s from %s", spec.name, spec.dockerfile, extra={"image": spec.name})
        image_id, error = _stream(client.api, kwargs, log, timeout_s)
    bases = _base_images(client, prepared)
    if error or not image_id:
        error = error or "the engine finished without an image id"
        return failed(
            f"the image does not build: {error[:500]}",
            failing_line(log.lines, error, prepared.step_lines),
            bases,
        )
    attrs = client.images.get(image_id).attrs
    return BuildResult(
        spec, True, image_id, tag, int(attrs.get("Size") or 0),
        tuple(attrs.get("RootFS", {}).get("Layers") or ()),
        time.monotonic() - started, bases, log.text(), None, all_labels,
    )  # fmt: skip


def _build_kwargs(
    spec: ImageSpec,
    context: Path,
    dockerfile: Path,
    prepared: PreparedDockerfile,
    tag: str,
    labels: Mapping[str, str],
    network_mode: str,
    limits: BuildLimits,
) -> dict[str, Any]:
    container_limits: dict[str, Any] = {
        "memory": limits.memory_mb << 20,
        "memswap": limits.memory_mb << 20,  # memory + swap: no swap, so the cap really caps
        "cpushares": limits.cpu_shares,
    }
    if limits.cpuset:
        container_limits["cpusetcpus"] = limits.cpuset
    return {
        "path": str(context),
        "dockerfile": str(dockerfile),  # outside the context: docker-py sends it inside the tar
        "tag": tag,
        "buildargs": {**spec.build_args, **prepared.build_args},
        "target": spec.target,
        "labels": dict(labels),
        "network_mode": network_mode,
        "container_limits": container_limits,
        "platform": spec.platforms[0] if spec.platforms else None,
        "rm": True,
        "forcerm": True,
        "pull": False,
        "decode": True,
    }


def with_digest(result: BuildResult, digest: str) -> BuildResult:
    """The result after a push: the registry digest is known."""
    return replace(result, digest=digest)
