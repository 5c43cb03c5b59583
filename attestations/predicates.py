"""Builders for the predicates dockgate attests: image signature, CycloneDX, SLSA v1, vulnerability, lint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from attestations.statements import (
    CYCLONEDX,
    IMAGE_SIGNATURE,
    LINT,
    SLSA_PROVENANCE_V1,
    VULNERABILITY,
    Statement,
    Subject,
)


def signature_statement(subject: Subject) -> Statement:
    """cosign v3's image signature: an empty predicate of type cosign/sign/v1."""
    return Statement((subject,), IMAGE_SIGNATURE, {})


def cyclonedx_statement(subject: Subject, bom: Mapping[str, Any]) -> Statement:
    """The CycloneDX JSON document itself is the predicate (what `cosign attest --type cyclonedx` does)."""
    if bom.get("bomFormat") != "CycloneDX":
        raise ValueError("predicate is not a CycloneDX JSON document (bomFormat != CycloneDX)")
    return Statement((subject,), CYCLONEDX, bom)


def slsa_provenance_statement(
    subject: Subject,
    *,
    build_type: str,
    builder_id: str,
    external_parameters: Mapping[str, Any],
    internal_parameters: Mapping[str, Any] | None = None,
    resolved_dependencies: Sequence[Mapping[str, Any]] = (),
    invocation_id: str | None = None,
    started_on: str | None = None,
    finished_on: str | None = None,
    byproducts: Sequence[Mapping[str, Any]] = (),
) -> Statement:
    """SLSA Provenance v1 (https://slsa.dev/spec/v1.0/provenance); timestamps are RFC 3339 strings."""
    build_definition: dict[str, Any] = {
        "buildType": build_type,
        "externalParameters": dict(external_parameters),
    }
    if internal_parameters:
        build_definition["internalParameters"] = dict(internal_parameters)
    if resolved_dependencies:
        build_definition["resolvedDependencies"] = [dict(d) for d in resolved_dependencies]
    metadata = {
        key: value
        for key, value in (
            ("invocationId", invocation_id),
            ("startedOn", started_on),
            ("finishedOn", finished_on),
        )
        if value
    }
    run_details: dict[str, Any] = {"builder": {"id": builder_id}}
    if metadata:
        run_details["metadata"] = metadata
    if byproducts:
        run_details["byproducts"] = [dict(b) for b in byproducts]
    return Statement(
        (subject,), SLSA_PROVENANCE_V1, {"buildDefinition": build_definition, "runDetails": run_details}
    )


def vulnerability_statement(
    subject: Subject,
    *,
    scanner_uri: str,
    scanner_version: str,
    result: Mapping[str, Any],
    db_uri: str = "",
    db_version: str = "",
    started_on: str = "",
    finished_on: str = "",
) -> Statement:
    """cosign's vuln/v1 predicate: the scanner, its database and the raw result document."""
    predicate = {
        "invocation": {"parameters": None, "uri": "", "event_id": "", "builder.id": ""},
        "scanner": {
            "uri": scanner_uri,
            "version": scanner_version,
            "db": {"uri": db_uri, "version": db_version},
            "result": dict(result),
        },
        "metadata": {"scanStartedOn": started_on, "scanFinishedOn": finished_on},
    }
    return Statement((subject,), VULNERABILITY, predicate)


def lint_statement(subject: Subject, sarif: Mapping[str, Any]) -> Statement:
    """Dockerfile/image lint results as a SARIF 2.1.0 document."""
    if "runs" not in sarif:
        raise ValueError("predicate is not a SARIF document (no runs)")
    return Statement((subject,), LINT, sarif)
