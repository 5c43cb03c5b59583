"""Statements serialise canonically and parse strictly; predicate builders produce the published shapes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sigstore import dsse as sigstore_dsse

from attestations.predicates import (
    cyclonedx_statement,
    lint_statement,
    signature_statement,
    slsa_provenance_statement,
    vulnerability_statement,
)
from attestations.statements import (
    CYCLONEDX,
    SLSA_PROVENANCE_V1,
    VULNERABILITY,
    InvalidStatement,
    Statement,
    image_subject,
    predicate_type_for,
)

DIGEST = "sha256:" + "0123456789abcdef" * 4
SUBJECT = image_subject("127.0.0.1:5001/team/app", DIGEST)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)


@given(st.dictionaries(st.text(max_size=6), json_values, max_size=6))
def test_serialisation_ignores_key_order(predicate: dict[str, object]) -> None:
    shuffled = dict(reversed(list(predicate.items())))
    a = Statement((SUBJECT,), "https://example.com/p", predicate).to_json()
    b = Statement((SUBJECT,), "https://example.com/p", shuffled).to_json()
    assert a == b
    assert Statement.from_json(a).predicate == predicate


def test_exact_bytes_and_sigstore_python_accepts_them() -> None:
    raw = signature_statement(SUBJECT).to_json()
    assert raw == (
        b'{"_type":"https://in-toto.io/Statement/v1","predicate":{},'
        b'"predicateType":"https://sigstore.dev/cosign/sign/v1",'
        b'"subject":[{"digest":{"sha256":"' + DIGEST[7:].encode() + b'"},"name":"127.0.0.1:5001/team/app"}]}'
    )
    sigstore_dsse.Statement(raw)  # pydantic-validated in-toto v1 statement


def test_unsafe_integers_are_refused() -> None:
    with pytest.raises(InvalidStatement, match="RFC 8785"):
        Statement((SUBJECT,), "https://example.com/p", {"n": 2**53}).to_json()


def test_subject_digest_matching() -> None:
    statement = signature_statement(SUBJECT)
    assert statement.has_subject_digest(DIGEST)
    assert not statement.has_subject_digest("sha256:" + "f" * 64)
    with pytest.raises(InvalidStatement):
        image_subject("x", "sha256:short")


@pytest.mark.parametrize(
    "doc",
    [
        {"_type": "https://in-toto.io/Statement/v2", "subject": [{"digest": {}}], "predicateType": "x"},
        {"_type": "https://in-toto.io/Statement/v1", "subject": [], "predicateType": "x"},
        {"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "a"}], "predicateType": "x"},
        {"_type": "https://in-toto.io/Statement/v1", "subject": [{"digest": {}}], "predicateType": 3},
        ["not", "an", "object"],
    ],
)
def test_from_json_rejects(doc: object) -> None:
    with pytest.raises(InvalidStatement):
        Statement.from_json(json.dumps(doc).encode())


def test_predicate_type_names() -> None:
    assert predicate_type_for("cyclonedx") == CYCLONEDX
    assert predicate_type_for("vuln") == VULNERABILITY
    assert predicate_type_for("slsaprovenance") == SLSA_PROVENANCE_V1
    assert predicate_type_for("https://example.com/x") == "https://example.com/x"
    with pytest.raises(InvalidStatement, match="unknown predicate type"):
        predicate_type_for("spdx-typo")


def test_predicate_builders() -> None:
    provenance = slsa_provenance_statement(
        SUBJECT,
        build_type="https://dockgate.dev/build/docker/v1",
        builder_id="https://dockgate.dev/builder",
        external_parameters={"repository": "o/r", "ref": "refs/heads/main"},
        resolved_dependencies=[{"uri": "git+https://github.com/o/r", "digest": {"gitCommit": "a" * 40}}],
        started_on="2026-11-23T19:00:00Z",
    ).to_dict()["predicate"]
    assert provenance["buildDefinition"]["externalParameters"]["ref"] == "refs/heads/main"
    assert provenance["runDetails"] == {
        "builder": {"id": "https://dockgate.dev/builder"},
        "metadata": {"startedOn": "2026-11-23T19:00:00Z"},
    }
    vuln = vulnerability_statement(
        SUBJECT, scanner_uri="u", scanner_version="1", result={"matches": []}
    ).predicate
    assert vuln["scanner"]["result"] == {"matches": []} and "invocation" in vuln
    with pytest.raises(ValueError, match="CycloneDX"):
        cyclonedx_statement(SUBJECT, {"spdxVersion": "2.3"})
    with pytest.raises(ValueError, match="SARIF"):
        lint_statement(SUBJECT, {"version": "2.1.0"})
