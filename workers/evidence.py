"""The in-toto statements a pipeline run signs, and the files `dockgate run --out` writes.

Statements carry no secret: build arguments whose names look secret are redacted before they
reach the provenance, and the lint predicate only quotes rule messages (which never echo values).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attestations.oci import digest_of
from attestations.predicates import cyclonedx_statement, lint_statement, slsa_provenance_statement
from attestations.statements import VULNERABILITY, Statement, image_subject
from workers.lint import Finding as LintFinding
from workers.lint import to_sarif
from workers.repoconfig import ImageSpec, RepoConfig
from workers.scan import ScanException, ScanReport, VexStatement, load_openvex, parse_exception

if TYPE_CHECKING:
    from workers.build import BuildResult
    from workers.pipeline import Source
    from workers.runreport import ImageRun

BUILD_TYPE = "https://dockgate.dev/buildtypes/docker-engine/v1"
_SECRET_NAME = re.compile(r"(?i)(pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|credential|auth)")


def redact_build_args(args: dict[str, str]) -> dict[str, str]:
    """Keep build-arg names (provenance needs them) but never a secret-looking value."""
    return {k: ("[REDACTED]" if _SECRET_NAME.search(k) else v) for k, v in sorted(args.items())}


def statements(
    subject_name: str,
    digest: str,
    *,
    spec: ImageSpec,
    source: Source,
    build: BuildResult,
    bom: dict[str, Any],
    scan: ScanReport | None,
    lint: Sequence[LintFinding],
    builder_id: str,
    started: str,
    finished: str,
) -> list[Statement]:
    """SBOM, vulnerability report (when scanned), lint results and SLSA provenance for one image."""
    subject = image_subject(subject_name, digest)
    out = [cyclonedx_statement(subject, bom)]
    if scan is not None:
        out.append(Statement((subject,), VULNERABILITY, scan.to_predicate()))
    out.append(lint_statement(subject, to_sarif(list(lint))))
    deps: list[dict[str, Any]] = []
    if source.commit:
        deps.append(
            {
                "uri": f"git+{source.url or source.repository}@{source.ref or ''}",
                "digest": {"gitCommit": source.commit},
            }
        )
    for base in build.base_images:
        entry: dict[str, Any] = {"uri": f"docker-image://{base.built_from}", "name": base.written}
        if base.digest:
            entry["digest"] = {"sha256": base.digest.removeprefix("sha256:")}
        deps.append(entry)
    external = {
        "repository": source.repository,
        "ref": source.ref,
        "commit": source.commit,
        "dockerfile": spec.dockerfile,
        "context": spec.context,
        "target": spec.target,
        "buildArgs": redact_build_args(dict(spec.build_args)),
    }
    out.append(
        slsa_provenance_statement(
            subject,
            build_type=BUILD_TYPE,
            builder_id=builder_id,
            external_parameters={k: v for k, v in external.items() if v not in (None, "")},
            internal_parameters={"trusted": source.trusted, "network": source.trusted and spec.network},
            resolved_dependencies=deps,
            invocation_id=source.job_id,
            started_on=started,
            finished_on=finished,
        )
    )
    return out


def vex_documents(repo_config: RepoConfig, root: Path) -> list[VexStatement]:
    """The OpenVEX documents `.dockgate.yml` names, read from the checkout."""
    found: list[VexStatement] = []
    for rel in repo_config.vulnerabilities.vex:
        found.extend(load_openvex(root / rel))
    return found


def exceptions(repo_config: RepoConfig) -> list[ScanException]:
    return [
        parse_exception(
            {
                "vulnerability": e.id,
                "owner": e.owner,
                "expires": e.expires.isoformat(),
                "reason": e.reason,
                "package": e.purl or "",
            }
        )
        for e in repo_config.vulnerabilities.exceptions
    ]


def bundle_digest(bundle_json: bytes) -> str:
    return digest_of(bundle_json)


def _slug(predicate_type: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", predicate_type.lower().split("://", 1)[-1]).strip("-")


def write_outputs(
    folder: Path, run: ImageRun, bom: dict[str, Any], bundles: Sequence[tuple[str, bytes]]
) -> None:
    """`<image>/sbom.cdx.json`, `vulnerabilities.json`, `lint.sarif`, `attestations/*.sigstore.json`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sbom.cdx.json").write_text(json.dumps(bom, indent=2, sort_keys=True) + "\n")
    vulns = run.scan.to_json() if run.scan else {"db": None, "findings": [], "skipped": []}
    (folder / "vulnerabilities.json").write_text(json.dumps(vulns, indent=2) + "\n")
    (folder / "lint.sarif").write_text(json.dumps(to_sarif(list(run.lint)), indent=2) + "\n")
    write_build_log(folder, run.build_log)
    if bundles:
        target = folder / "attestations"
        target.mkdir(exist_ok=True)
        for predicate_type, bundle_json in bundles:
            (target / f"{_slug(predicate_type)}.sigstore.json").write_bytes(bundle_json)


def write_build_log(folder: Path, log: str) -> None:
    """`<image>/build.log`: the engine's output, also for a build that failed."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "build.log").write_text(log)


def decode_payload(bundle_json: bytes) -> dict[str, Any]:
    """The in-toto statement inside a DSSE bundle (for tests and the report)."""
    envelope = json.loads(bundle_json)["dsseEnvelope"]
    result: dict[str, Any] = json.loads(base64.b64decode(envelope["payload"]))
    return result
