from __future__ import annotations

from attestations.statements import LINT, SLSA_PROVENANCE_V1, VULNERABILITY, Statement, image_subject
from attestations.verify import AttestationResult, VerificationReport
from workers.evidence import redact_build_args
from workers.lint import Finding
from workers.promote import REQUIRED, eligible_ref, evidence_reasons
from workers.repoconfig import PolicyConfig, PromotionConfig
from workers.scan import GateResult
from workers.verdict import decide

DIGEST = "sha256:" + "12" * 32
SUBJECT = image_subject("127.0.0.1:5001/acme/api", DIGEST)


def test_clean_signed_image_passes() -> None:
    verdict = decide(
        PolicyConfig(required_attestations=("cyclonedx",)),
        gate=GateResult(False, []),
        attested=["https://cyclonedx.org/bom"],
        signed=True,
    )
    assert verdict.passed and verdict.conclusion == "success"


def test_warnings_do_not_fail_but_errors_do() -> None:
    warning = Finding("DG102", "warning", "Dockerfile", 1, "s", "not pinned", "pin it")
    error = Finding("DG105", "error", "Dockerfile", 1, "s", "runs as root", "add USER")
    ok = decide(
        PolicyConfig(required_attestations=()), lint=[warning], gate=GateResult(False, []), signed=True
    )
    bad = decide(
        PolicyConfig(required_attestations=()), lint=[error], gate=GateResult(False, []), signed=True
    )
    assert ok.passed and not bad.passed
    assert bad.reasons == ("DG105 (Dockerfile:1): runs as root",)


def test_a_build_failure_is_the_reason() -> None:
    verdict = decide(PolicyConfig(), build_error="RUN exited 1 at line 4")
    assert verdict.reasons == ("the image did not build: RUN exited 1 at line 4",)


def test_unscanned_image_never_passes() -> None:
    verdict = decide(PolicyConfig(required_attestations=()), signed=True)
    assert not verdict.passed


def test_eligible_refs() -> None:
    promotion = PromotionConfig(branches=("release",), tags=())
    assert eligible_ref("refs/heads/main", "main", promotion)
    assert eligible_ref("refs/heads/release", "main", promotion)
    assert eligible_ref("refs/tags/v1.2.0", "main", promotion)
    assert not eligible_ref("refs/tags/nightly", "main", promotion)
    assert not eligible_ref("refs/heads/feature", "main", promotion)
    assert not eligible_ref(None, "main", promotion)


def _report(*statements: Statement) -> VerificationReport:
    results = tuple(AttestationResult("t", True, "verified", s.predicate_type, "key", s) for s in statements)
    return VerificationReport("img", DIGEST, REQUIRED, results)


def _provenance(ref: str, trusted: bool) -> Statement:
    predicate = {
        "buildDefinition": {"externalParameters": {"ref": ref}, "internalParameters": {"trusted": trusted}}
    }
    return Statement((SUBJECT,), SLSA_PROVENANCE_V1, predicate)


def test_promotion_reasons_come_from_attestation_content() -> None:
    vuln = Statement(
        (SUBJECT,),
        VULNERABILITY,
        {
            "scanner": {
                "result": {
                    "findings": [
                        {
                            "id": "GHSA-1",
                            "severity": "critical",
                            "purl": "pkg:pypi/x@1",
                            "fixed_versions": ["2"],
                        }
                    ]
                }
            }
        },
    )
    lint = Statement(
        (SUBJECT,),
        LINT,
        {"runs": [{"results": [{"ruleId": "DG105", "level": "error", "message": {"text": "root"}}]}]},
    )
    reasons = evidence_reasons(
        _report(_provenance("refs/heads/feature", False), vuln, lint),
        PolicyConfig(),
        default_branch="main",
        promotion=PromotionConfig(),
    )
    text = "\n".join(reasons)
    assert "untrusted build" in text
    assert "refs/heads/feature" in text
    assert "GHSA-1" in text
    assert "DG105" in text
    assert any("is missing" in r for r in reasons)  # no signature or SBOM statements in this report


def test_clean_evidence_from_main_allows_promotion() -> None:
    report = VerificationReport(
        "img",
        DIGEST,
        (SLSA_PROVENANCE_V1,),
        (
            AttestationResult(
                "t", True, "verified", SLSA_PROVENANCE_V1, "key", _provenance("refs/heads/main", True)
            ),
        ),
    )
    assert evidence_reasons(report, PolicyConfig(), default_branch="main", promotion=PromotionConfig()) == []


def test_build_args_that_look_secret_are_redacted() -> None:
    args = redact_build_args({"NPM_TOKEN": "abc", "DB_PASSWORD": "x", "VERSION": "1.2", "API_KEY": "k"})
    assert args == {
        "API_KEY": "[REDACTED]",
        "DB_PASSWORD": "[REDACTED]",
        "NPM_TOKEN": "[REDACTED]",
        "VERSION": "1.2",
    }


def test_stage_timings_reach_prometheus() -> None:
    from prometheus_client import REGISTRY

    from workers.pipeline import _Timer

    def count() -> float:
        value = REGISTRY.get_sample_value(
            "dockgate_pipeline_stage_seconds_count", {"stage": "unit-probe", "status": "ok"}
        )
        return value or 0.0

    before = count()
    timer = _Timer(lambda _stage: None)
    with timer.stage("unit-probe"):
        pass
    assert count() == before + 1
    assert [t.name for t in timer.timings] == ["unit-probe"]


def test_only_new_excuses_findings_the_last_promoted_image_already_had() -> None:
    from workers.promote import _vuln_reasons

    old = {"id": "GHSA-old", "aliases": ["CVE-2020-1"], "ecosystem": "PyPI", "package": "jinja2",
           "severity": "high", "purl": "pkg:pypi/jinja2@2.0", "fixed_versions": ["3.0"]}  # fmt: skip
    new = {**old, "id": "GHSA-new", "aliases": [], "purl": "pkg:pypi/jinja2@2.0"}
    baseline = {"findings": [{**old, "id": "CVE-2020-1", "aliases": ["GHSA-old"]}], "suppressed": []}
    every = PolicyConfig(fail_on="high")
    only_new = PolicyConfig(fail_on="high", only_new=True)
    assert len(_vuln_reasons([old, new], every, baseline)) == 2  # only_new off: the baseline is ignored
    assert [r.split()[1] for r in _vuln_reasons([old, new], only_new, baseline)] == ["GHSA-new"]
    assert len(_vuln_reasons([old, new], only_new, None)) == 2  # no baseline: every finding counts
