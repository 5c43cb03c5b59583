"""Fixed pipeline results for the renderer's snapshot tests (volatile fields pinned)."""

from __future__ import annotations

import pytest

from workers.lint import Finding
from workers.repoconfig import PolicyConfig
from workers.runreport import AttachedEvidence, ImageRun, StageTiming
from workers.scan import Finding as VulnFinding
from workers.scan import GateResult, ScanReport
from workers.verdict import decide

DIGEST = "sha256:" + "ab" * 32
STAGE_TIMES = (
    ("lint", 0.02),
    ("build", 4.5),
    ("push", 0.8),
    ("image-checks", 0.3),
    ("sbom", 0.4),
    ("scan", 0.05),
    ("attest", 0.2),
    ("index", 0.01),
)


def lint_finding(rule: str, level: str, line: int | None, message: str) -> Finding:
    return Finding(rule, level, "Dockerfile", line, "runtime", message, "Do the right thing.")


def vuln(id_: str, severity: str, fixed: tuple[str, ...]) -> VulnFinding:
    return VulnFinding(
        id=id_,
        aliases=(f"CVE-2024-{id_[-4:]}",),
        purl="pkg:pypi/requests@2.25.0",
        ecosystem="PyPI",
        package="requests",
        version="2.25.0",
        severity=severity,
        score=7.5,
        vector=None,
        fixed_versions=fixed,
        summary="Proxy-Authorization header leak",
        references=(),
        matched_by="range",
    )


def report(*findings: VulnFinding) -> ScanReport:
    db = {"snapshot": "2024-10-08T19:19:01Z", "records": 822}
    return ScanReport(db=db, findings=findings, components=42)


@pytest.fixture
def passing_run() -> ImageRun:
    lint = (lint_finding("DG102", "warning", 7, "base image `python:3.11-slim` is not pinned by digest"),)
    scan = report(vuln("GHSA-j8r2-6x86-q33q", "medium", ("2.31.0",)))
    gate = GateResult(False, [])
    evidence = (
        AttachedEvidence("https://cyclonedx.org/bom", "sha256:" + "01" * 32),
        AttachedEvidence("https://slsa.dev/provenance/v1", "sha256:" + "02" * 32),
    )
    verdict = decide(
        PolicyConfig(required_attestations=("cyclonedx", "slsaprovenance")),
        lint=lint,
        gate=gate,
        attested=[e.predicate_type for e in evidence],
        signed=True,
    )
    return ImageRun(
        name="api",
        dockerfile="Dockerfile",
        status="passed",
        verdict=verdict,
        image_id="sha256:" + "cd" * 32,
        digest=DIGEST,
        reference=f"127.0.0.1:5001/acme/api@{DIGEST}",
        size_bytes=151_234_567,
        layers=9,
        base_images=("python:3.11-slim@sha256:" + "ef" * 32,),
        lint=lint,
        components={"deb": 88, "pypi": 12},
        scan=scan,
        evidence=evidence,
        signature="sha256:" + "03" * 32,
        timings=tuple(StageTiming(n, s) for n, s in STAGE_TIMES),
        verify_command=f"dockgate verify 127.0.0.1:5001/acme/api@{DIGEST} --key dockgate.pub",
    )


@pytest.fixture
def failing_run() -> ImageRun:
    lint = (
        lint_finding("DG105", "error", 1, "the final stage runs as root"),
        lint_finding("DG107", "error", 3, "ENV AWS_SECRET_ACCESS_KEY has a literal secret value"),
        lint_finding("DG110", "warning", 6, "`COPY . .` before installing dependencies"),
        lint_finding("DG203", "error", 3, "the image Env holds a secret-like value (AWS_SECRET_ACCESS_KEY)"),
    )
    scan = report(vuln("GHSA-x84v-xcm2-53pg", "high", ("2.31.0",)), vuln("PYSEC-2023-0074", "low", ()))
    gate = GateResult(True, ["GHSA-x84v-xcm2-53pg high in pkg:pypi/requests@2.25.0, fixed in 2.31.0"])
    verdict = decide(PolicyConfig(), lint=lint, gate=gate, attested=[], signed=False)
    return ImageRun(
        name="bad-service",
        dockerfile="Dockerfile",
        status="failed",
        verdict=verdict,
        image_id="sha256:" + "cd" * 32,
        digest=DIGEST,
        size_bytes=191_000_000,
        layers=6,
        lint=lint,
        components={"deb": 90},
        scan=scan,
        timings=tuple(StageTiming(n, s) for n, s in STAGE_TIMES),
    )


@pytest.fixture
def cancelled_run() -> ImageRun:
    return ImageRun(
        name="api",
        dockerfile="Dockerfile",
        status="cancelled",
        verdict=decide(PolicyConfig()),
        cancelled_reason="Commit 1a2b3c4 was superseded by 5d6e7f8 on pull request #42.",
    )
