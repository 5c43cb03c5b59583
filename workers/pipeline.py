"""The pipeline for one image: lint → build → push → image checks → SBOM → scan → attest + sign → verdict.

Evidence is separate from the verdict: whatever the policy says, every image that builds gets its
SBOM, vulnerability report, lint results and provenance signed and attached. Each stage is timed;
a stage that cannot run records why instead of crashing the run, so a check run always ends with a
conclusion. The same function serves the RQ job and `dockgate run`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attestations.attach import attach_attestations, sign_image
from attestations.index import AttestationRecord, AttestationStore, ComponentRecord, ImageRecord
from attestations.oci import Credentials, RegistryClient
from attestations.oci.locks import TagLock
from attestations.policy import VerificationPolicy
from attestations.signing.base import Signer
from attestations.statements import (
    CYCLONEDX,
    IMAGE_SIGNATURE,
    LINT,
    SLSA_PROVENANCE_V1,
    VULNERABILITY,
    Statement,
)
from attestations.verify import verify_image
from workers import evidence, metrics
from workers.build import BuildLimits, BuildResult, build_image
from workers.lint import Finding as LintFinding
from workers.lint import check_image, lint_dockerfile
from workers.lint.secrets import redact, secret_reason
from workers.push import PushedImage, push_image
from workers.repoconfig import ImageSpec, RepoConfig
from workers.runreport import AttachedEvidence, ImageRun, StageTiming
from workers.scan import GateResult, ScanReport, VulnDB, gate, scan_bom
from workers.verdict import Verdict, decide

if TYPE_CHECKING:
    from workers.image import ImageFS, LayerCache

logger = logging.getLogger(__name__)
Progress = Callable[[str], None]
STAGES = ("lint", "build", "push", "read-image", "image-checks", "sbom", "scan", "attest", "index")
REUSABLE = (IMAGE_SIGNATURE, CYCLONEDX, VULNERABILITY, LINT, SLSA_PROVENANCE_V1)


@dataclass(frozen=True)
class Source:
    """Where the checkout came from; recorded in provenance and the index."""

    repository: str  # owner/name, or a local folder name for `dockgate run`
    commit: str | None = None
    ref: str | None = None
    url: str | None = None
    job_id: str | None = None
    trusted: bool = False  # forks and unknown sources are untrusted: no network, no promotion


@dataclass(frozen=True)
class PipelineConfig:
    """The backends a run uses, chosen once from settings by the caller."""

    engine: Any
    builder_id: str
    registry: str | None = None  # staging registry; None = build and sign locally, push nothing
    namespace: str = ""  # registry path prefix, e.g. "acme" or "quarantine/acme"
    credentials: dict[str, Credentials] = field(default_factory=dict)
    signer: Signer | None = None
    vulndb: VulnDB | None = None
    base_mirror: str | None = None
    store: AttestationStore | None = None
    out_dir: Path | None = None
    build_timeout_s: float = 1800.0
    build_limits: BuildLimits = field(default_factory=BuildLimits)
    baseline: Callable[[str], Mapping[str, Any] | None] | None = None  # image -> last promoted scan
    verify_key: str = "dockgate.pub"  # shown in the report's verify command (key signing)
    # Keyless: the identity flags of the verify command instead of `--key` (see FullPipeline.config).
    verify_identity: tuple[str, str] | None = None
    # Refuse to scan with a vulnerability DB whose newest record is older than this (None: no limit).
    vulndb_max_age: dt.timedelta | None = None
    # Also write cosign's legacy `.sig`/`.att` tags (Kyverno `type: Cosign`, policy-controller).
    cosign_legacy: bool = True
    # `native` (dockgate's catalogers) or `syft` (DOCKGATE_SBOM_BACKEND), behind one SbomGenerator.
    sbom_backend: str = "native"
    # When set, a retried job first verifies what an earlier attempt attached and reuses it.
    reuse: VerificationPolicy | None = None
    # Uncompressed layers by diff_id: a pushed image is read back from the registry through it, so
    # only layers this machine has not seen before are fetched (base layers are shared by builds).
    layer_cache: LayerCache | None = None
    # Serialises tag read-modify-writes (referrers index, `.sig`) across workers; None: this process only.
    tag_lock: TagLock | None = None


class _Timer:
    def __init__(self, progress: Progress) -> None:
        self.timings: list[StageTiming] = []
        self.progress = progress

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.progress(name)
        started = time.perf_counter()
        status = "failed"
        try:
            yield
            status = "ok"
        finally:
            elapsed = time.perf_counter() - started
            self.timings.append(StageTiming(name, elapsed, status))
            metrics.STAGE_SECONDS.labels(name, status).observe(elapsed)

    def skip(self, name: str) -> None:
        self.timings.append(StageTiming(name, 0.0, "skipped"))


def run_image(
    spec: ImageSpec,
    root: Path,
    repo_config: RepoConfig,
    cfg: PipelineConfig,
    source: Source,
    progress: Progress = lambda _stage: None,
) -> ImageRun:
    """Run every stage for `spec` in the checkout at `root` and return what was learned."""
    timer = _Timer(progress)
    dockerfile = root / spec.dockerfile
    with timer.stage("lint"):
        lint = _relative(
            lint_dockerfile(
                dockerfile,
                target=spec.target,
                context=root / spec.context,
                config=repo_config.lint,
                build_args=spec.build_args,
            ),
            root,
        )
    started = _now()
    with timer.stage("build"):
        build = build_image(
            spec,
            root,
            client=cfg.engine,
            limits=cfg.build_limits,
            network=source.trusted and spec.network,
            timeout_s=cfg.build_timeout_s,
            base_mirror=cfg.base_mirror,
            source=source.url,
            revision=source.commit,
            # The commit's time, not the clock: a rebuild of the same commit is the same image (digest).
            labels={"org.opencontainers.image.created": _commit_time(root) or started},
        )
    # The engine echoes each instruction (`ENV KEY=value`) and step output: never let a secret through.
    secret_args = tuple(v for k, v in spec.build_args.items() if secret_reason(k, v))
    build = dataclasses.replace(build, log=redact(build.log, secret_args))
    if build.failure is not None:
        build = dataclasses.replace(
            build,
            failure=dataclasses.replace(build.failure, message=redact(build.failure.message, secret_args)),
        )
    if not build.ok or build.image_id is None:
        failure = build.failure
        lint = [*lint, *_relative([failure], root)] if failure else lint
        reason = failure.message if failure else "the build failed"
        verdict = decide(repo_config.policy, lint=lint, build_error=reason)
        run = ImageRun(
            spec.name,
            spec.dockerfile,
            "failed",
            verdict,
            lint=tuple(lint),
            build_error=reason,
            timings=tuple(timer.timings),
            build_log=build.log,
        )
        if cfg.store is not None and source.commit:
            cfg.store.record_report(source.repository, source.commit, spec.name, json.dumps(run.to_json()))
        if cfg.out_dir is not None:
            evidence.write_build_log(cfg.out_dir / spec.name, build.log)
        return run
    finished = _now()
    pushed = _push(spec, build, cfg, source, timer)
    with timer.stage("read-image"):
        image_fs = _open_image(build.image_id, pushed, cfg)
    with image_fs:
        with timer.stage("image-checks"):
            found = check_image(
                image_fs,
                dockerfile,
                target=spec.target,
                config=repo_config.lint,
                size_budget_mb=spec.size_budget_mb,
            )
            lint = [*lint, *_relative(found, root)]
        with timer.stage("sbom"):
            from workers.sbom import NativeGenerator, SyftGenerator, to_json

            generator = (
                SyftGenerator(credentials=cfg.credentials)
                if cfg.sbom_backend == "syft"
                else NativeGenerator()
            )
            bom = json.loads(to_json(generator.generate(image_fs)))
    scan, gate_result = _scan(spec, bom, repo_config, root, cfg, timer)
    subject_name = f"{pushed.registry}/{pushed.repository}" if pushed else f"local/{spec.name}"
    subject_digest = pushed.digest if pushed else build.image_id
    statements = evidence.statements(
        subject_name,
        subject_digest,
        spec=spec,
        source=source,
        build=build,
        bom=bom,
        scan=scan,
        lint=lint,
        builder_id=cfg.builder_id,
        started=started,
        finished=finished,
    )
    attached, bundles, signature = _attest(statements, pushed, cfg, timer)
    verdict = decide(
        repo_config.policy,
        lint=lint,
        gate=gate_result,
        attested=[a.predicate_type for a in attached],
        signed=signature is not None,
        evidence_expected=True,  # an unsigned run (`dockgate run --no-sign`) cannot pass the policy
    )
    run = ImageRun(
        spec.name,
        spec.dockerfile,
        "passed" if verdict.passed else "failed",
        verdict,
        image_id=build.image_id,
        digest=pushed.digest if pushed else None,
        reference=pushed.reference if pushed else None,
        size_bytes=build.size,
        layers=len(build.layers),
        base_images=tuple(f"{b.written}@{b.digest}" if b.digest else b.written for b in build.base_images),
        lint=tuple(lint),
        components=_ecosystems(bom),
        scan=scan,
        evidence=tuple(attached),
        signature=signature,
        verify_command=_verify_command(pushed, cfg),
        build_log=build.log,
    )
    _index(run, source, bom, cfg, timer)
    run = dataclasses.replace(run, timings=tuple(timer.timings))
    metrics.VERDICTS.labels(run.conclusion).inc()
    if cfg.store is not None and source.commit:
        cfg.store.record_report(source.repository, source.commit, spec.name, json.dumps(run.to_json()))
    if cfg.out_dir is not None:
        evidence.write_outputs(cfg.out_dir / spec.name, run, bom, bundles)
    return run


def _commit_time(root: Path) -> str | None:
    """The checkout's commit time in UTC (RFC 3339), or None when `root` is not a git work tree."""
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%ct"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if not out.isdigit():
        return None
    return dt.datetime.fromtimestamp(int(out), dt.UTC).isoformat().replace("+00:00", "Z")


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _relative(findings: list[LintFinding], root: Path) -> list[LintFinding]:
    """Report paths relative to the repository root, as check-run annotations need them."""
    out = []
    for f in findings:
        path = Path(f.path)
        rel = (
            path.relative_to(root).as_posix() if path.is_absolute() and path.is_relative_to(root) else f.path
        )
        out.append(dataclasses.replace(f, path=rel))
    return out


def _push(
    spec: ImageSpec, build: BuildResult, cfg: PipelineConfig, source: Source, timer: _Timer
) -> PushedImage | None:
    if cfg.registry is None or build.image_id is None:
        timer.skip("push")
        return None
    host = cfg.registry.split("/", 1)[0]
    prefix = "/".join(p for p in (*cfg.registry.split("/", 1)[1:], cfg.namespace) if p)
    repository = f"{prefix}/{spec.name}" if prefix else spec.name
    tag = (source.commit or build.image_id.removeprefix("sha256:"))[:12]
    with timer.stage("push"):
        return push_image(
            cfg.engine, build.image_id, host, repository, tag, credentials=cfg.credentials.get(host)
        )


def _open_image(image_id: str, pushed: PushedImage | None, cfg: PipelineConfig) -> ImageFS:
    """The built image's filesystem, for the image checks and the SBOM (one read serves both).

    A pushed image is read back by digest from the registry, so the SBOM describes exactly the bytes
    that are signed, and through the layer cache, so only new layers are transferred. Without a
    registry the engine's `docker save` stream is the only way in (every layer, every time).
    """
    from workers.image import open_image

    if pushed is not None:
        return open_image(
            f"registry:{pushed.reference}", registry_auth=cfg.credentials, layer_cache=cfg.layer_cache
        )
    return open_image(image_id, docker_client=cfg.engine)


def _scan(
    spec: ImageSpec,
    bom: dict[str, Any],
    repo_config: RepoConfig,
    root: Path,
    cfg: PipelineConfig,
    timer: _Timer,
) -> tuple[ScanReport | None, GateResult | None]:
    if cfg.vulndb is None:
        timer.skip("scan")
        return None, None
    with timer.stage("scan"):
        report = scan_bom(
            bom,
            cfg.vulndb,
            vex=evidence.vex_documents(repo_config, root),
            exceptions=evidence.exceptions(repo_config),
            max_age=cfg.vulndb_max_age,
        )
        policy = repo_config.policy
        baseline = cfg.baseline(spec.name) if (cfg.baseline and policy.only_new) else None
        return report, gate(report, fail_on=policy.fail_on, only_fixed=policy.only_fixed, baseline=baseline)


def _attest(
    statements: list[Statement], pushed: PushedImage | None, cfg: PipelineConfig, timer: _Timer
) -> tuple[list[AttachedEvidence], list[tuple[str, bytes]], str | None]:
    """Sign every statement; attach them beside the pushed image. Returns evidence, bundles, signature."""
    if cfg.signer is None:
        timer.skip("attest")
        return [], [], None
    with timer.stage("attest"):
        if pushed is None:  # nothing to attach to: sign locally, the bundles go to --out
            signed = [(s.predicate_type, cfg.signer.sign_dsse(s).bundle_json) for s in statements]
            return [AttachedEvidence(t, evidence.bundle_digest(b)) for t, b in signed], signed, None
        with RegistryClient(
            pushed.registry, credentials=cfg.credentials.get(pushed.registry), tag_lock=cfg.tag_lock
        ) as client:
            reused = _reuse(pushed, cfg, client)
            if reused is not None:
                return reused
            signature = sign_image(pushed.reference, cfg.signer, client, legacy=cfg.cosign_legacy)
            attached = attach_attestations(
                pushed.reference, statements, cfg.signer, client, legacy=cfg.cosign_legacy
            )
        location = f"{pushed.registry}/{pushed.repository}"
        found = [AttachedEvidence(a.predicate_type, a.referrer_digest, location) for a in attached]
        return found, [(a.predicate_type, a.bundle.bundle_json) for a in attached], signature.referrer_digest


def _reuse(
    pushed: PushedImage, cfg: PipelineConfig, client: RegistryClient
) -> tuple[list[AttachedEvidence], list[tuple[str, bytes]], str | None] | None:
    """The evidence an earlier attempt of this job attached, if all of it verifies (idempotent retries)."""
    if cfg.reuse is None:
        return None
    policy = dataclasses.replace(cfg.reuse, required_predicate_types=REUSABLE)
    report = verify_image(pushed.reference, policy, client)
    if not report.ok:
        return None
    location = f"{pushed.registry}/{pushed.repository}"
    good = {r.predicate_type: r.source.removeprefix("referrer ") for r in report.results if r.verified}
    evidence_ = [AttachedEvidence(t, good[t], location) for t in REUSABLE if t != IMAGE_SIGNATURE]
    logger.info("reusing the signed evidence already attached to %s", pushed.reference)
    return evidence_, [], good[IMAGE_SIGNATURE]


def _ecosystems(bom: dict[str, Any]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for component in bom.get("components", []):
        purl = str(component.get("purl") or "")
        counts[purl[4:].split("/", 1)[0] if purl.startswith("pkg:") else component.get("type", "other")] += 1
    return dict(counts)


def _verify_command(pushed: PushedImage | None, cfg: PipelineConfig) -> str | None:
    if pushed is None or cfg.signer is None:
        return None
    types = " ".join(f"--type {t}" for t in ("cyclonedx", "vuln", "slsaprovenance", "lint"))
    if cfg.verify_identity is not None:
        identity, issuer = cfg.verify_identity
        trust = f"--certificate-identity {identity} --certificate-oidc-issuer {issuer}"
    else:
        trust = f"--key {cfg.verify_key}"
    return f"dockgate verify {pushed.reference} {trust} {types}"


def _index(run: ImageRun, source: Source, bom: dict[str, Any], cfg: PipelineConfig, timer: _Timer) -> None:
    if cfg.store is None or run.reference is None or run.digest is None:
        timer.skip("index")
        return
    with timer.stage("index"):
        components = [
            ComponentRecord(str(c.get("purl") or c.get("name")), str(c.get("name")), c.get("version"))
            for c in bom.get("components", [])
        ]
        cfg.store.record_image(
            ImageRecord(
                run.reference.split("@")[0],
                run.digest,
                run.name,
                source.repository,
                source.commit,
                source.ref,
                "pass" if run.verdict.passed else "fail",
            ),
            [AttestationRecord(e.predicate_type, e.bundle_digest, e.location) for e in run.evidence],
            components,
        )


__all__ = ["STAGES", "PipelineConfig", "Source", "Verdict", "run_image"]
