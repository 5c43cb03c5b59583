"""OpenVEX: `not_affected` needs a justification or impact statement; image products (`pkg:oci`,
`pkg:docker`, plain references) apply only to the scanned image, package products as before."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from attestations.errors import UsageError
from workers.scan import VulnDB, parse_exception, parse_openvex, scan_bom
from workers.scan.imageref import ImageIdentity

BOM = Callable[..., dict[str, Any]]
NOW = datetime(2026, 11, 23, tzinfo=UTC)
LODASH = "pkg:npm/lodash@4.17.15"  # GHSA-p6mc-m468-83gw, alias CVE-2020-8203
DIGEST = "sha256:" + "a" * 64
IMAGE_ID = "sha256:" + "c" * 64
OURS = {  # dockgate's metadata component of an image read back from a registry
    "type": "container",
    "name": "127.0.0.1:5001/acme/app",
    "version": DIGEST,
    "purl": "pkg:oci/app@sha256%3A" + "a" * 64,
    "properties": [
        {"name": "dockgate:image:id", "value": IMAGE_ID},
        {"name": "dockgate:image:name", "value": "127.0.0.1:5001/acme/app:pr-7"},
    ],
}


def _doc(**statement: Any) -> dict[str, Any]:
    base = {"vulnerability": {"name": "CVE-2020-8203"}, "status": "not_affected"}
    return {"@context": "https://openvex.dev/ns/v0.2.0", "statements": [base | statement]}


def _suppressed(db: VulnDB, make_bom: BOM, products: list[Any], component: Any = OURS) -> list[str]:
    vex = parse_openvex(_doc(products=products, justification="component_not_present"), "vex.json")
    bom = make_bom(LODASH)
    if component is not None:
        bom["metadata"] = {"component": component}
    return [f.id for f in scan_bom(bom, db, vex=vex, now=NOW).suppressed]


def test_not_affected_needs_justification_or_impact_statement() -> None:
    with pytest.raises(UsageError, match="justification or an impact_statement"):
        parse_openvex(_doc(products=["pkg:oci/app"]), "vex.json")
    (only_impact,) = parse_openvex(_doc(impact_statement="lodash.set is never called"))
    assert only_impact.impact_statement == "lodash.set is never called"
    (fixed,) = parse_openvex(_doc(status="fixed"))  # only not_affected needs a reason
    assert fixed.status == "fixed"


@pytest.mark.parametrize(
    "document",
    [
        [],  # a JSON list where the document object is expected
        {"@context": "https://openvex.dev/ns/v0.2.0", "statements": ["CVE-2020-8203"]},
        _doc(justification="x", products=5),
        _doc(justification="x", products=[{"@id": 5}]),
        _doc(justification="x", subcomponents="pkg:npm/lodash"),
        _doc(justification="x", products=[{"@id": "pkg:oci/app", "subcomponents": 5}]),
    ],
)
def test_structurally_malformed_documents_are_usage_errors(document: Any) -> None:
    with pytest.raises(UsageError):
        parse_openvex(document, "vex.json")


@pytest.mark.parametrize(
    ("product", "applies"),
    [
        ("pkg:oci/app", True),  # repository name = last path segment
        ("pkg:oci/other", False),
        ("pkg:oci/app@sha256%3A" + "a" * 64, True),  # the manifest digest
        ("pkg:oci/app@sha256%3A" + "b" * 64, False),  # another build of the same repository
        ("pkg:oci/app@sha256%3A" + "c" * 64, True),  # the image id
        ("pkg:oci/app?repository_url=127.0.0.1:5001/acme/app", True),
        ("pkg:oci/app?repository_url=127.0.0.1:5001/other/app", False),
        ("pkg:docker/acme/app", True),
        ("pkg:docker/evil/app", False),
        ("127.0.0.1:5001/acme/app:1.0", True),  # a plain image reference, tag ignored
        ("127.0.0.1:5001/acme/app@sha256:" + "b" * 64, False),
        ("https://example.com/some-product", False),
        ("pkg:npm/lodash", True),  # a package product matches the finding's purl, as before
        ("pkg:npm/lodash@4.17.15", True),
        ("pkg:npm/lodash@4.17.21", False),
    ],
)
def test_products_apply_only_to_what_they_name(
    shared_db: VulnDB, make_bom: BOM, product: str, applies: bool
) -> None:
    assert _suppressed(shared_db, make_bom, [product]) == (["GHSA-p6mc-m468-83gw"] if applies else [])


def test_nested_subcomponents_need_the_image_product_to_match(shared_db: VulnDB, make_bom: BOM) -> None:
    nested = [{"@id": "pkg:oci/app", "subcomponents": [{"@id": "pkg:npm/lodash"}]}]
    assert _suppressed(shared_db, make_bom, nested) == ["GHSA-p6mc-m468-83gw"]
    other = [{"@id": "pkg:oci/other", "subcomponents": [{"@id": "pkg:npm/lodash"}]}]
    assert _suppressed(shared_db, make_bom, other) == []


def test_components_named_by_identifiers_or_hashes(shared_db: VulnDB, make_bom: BOM) -> None:
    by_purl = [{"identifiers": {"purl": "pkg:oci/app"}}]
    assert _suppressed(shared_db, make_bom, by_purl) == ["GHSA-p6mc-m468-83gw"]
    by_hash = [{"hashes": {"sha-256": "a" * 64}}]
    assert _suppressed(shared_db, make_bom, by_hash) == ["GHSA-p6mc-m468-83gw"]
    other_hash = [{"hashes": {"sha-256": "b" * 64}}]
    assert _suppressed(shared_db, make_bom, other_hash) == []


def test_unknown_image_matches_no_image_product(shared_db: VulnDB, make_bom: BOM) -> None:
    assert _suppressed(shared_db, make_bom, ["pkg:oci/app"], component=None) == []
    assert _suppressed(shared_db, make_bom, ["pkg:npm/lodash"], component=None) == ["GHSA-p6mc-m468-83gw"]


def test_identity_of_a_syft_sbom() -> None:
    syft = {
        "metadata": {"component": {"type": "container", "name": "127.0.0.1:5001/app:1.0", "version": DIGEST}}
    }
    identity = ImageIdentity.from_bom(syft)
    assert identity == ImageIdentity(frozenset({"127.0.0.1:5001/app"}), frozenset({DIGEST}))
    assert identity.matches("pkg:oci/app") and identity.matches(f"127.0.0.1:5001/app@{DIGEST}")
    assert not ImageIdentity.from_bom({"metadata": []}).matches("pkg:oci/app")


def test_exception_keys() -> None:
    # `.dockgate.yml` spells them id/purl; an unknown (misspelt) key must not widen the scope
    spelled = {"id": "CVE-1", "owner": "sec", "expires": "2030-01-01", "reason": "r", "purl": "pkg:npm/x"}
    assert parse_exception(spelled).package == "pkg:npm/x"
    with pytest.raises(UsageError, match="unknown key"):
        parse_exception({**spelled, "pakage": "pkg:npm/x"})
