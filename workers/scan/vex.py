"""OpenVEX statements and scoped exceptions: the two ways a finding stops counting.

A suppression is never silent: the finding moves to `suppressed` with the statement's status and
justification (or the exception's owner, reason and expiry) recorded in the report. Exceptions
expire; an expired one suppresses nothing and is named in the report's notes. Plain dataclasses,
so `.dockgate.yml` parsing (workers.repoconfig) and signed VEX attestations can both feed them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from packageurl import PackageURL

from attestations.errors import UsageError
from workers.scan.imageref import ImageIdentity, is_image_product

SUPPRESSING = frozenset({"not_affected", "fixed"})
STATUSES = SUPPRESSING | {"affected", "under_investigation"}
# `id`/`purl` are the `.dockgate.yml` spellings of `vulnerability`/`package`
EXCEPTION_KEYS = ("vulnerability", "id", "owner", "expires", "reason", "package", "purl")


@dataclass(frozen=True)
class VexStatement:
    """One OpenVEX statement, reduced to what matching needs."""

    vulnerability: str
    status: str
    products: tuple[str, ...] = ()
    subcomponents: tuple[str, ...] = ()
    justification: str = ""
    impact_statement: str = ""
    source: str = ""


@dataclass(frozen=True)
class ScanException:
    """An accepted risk: one vulnerability, optionally one package, an owner and an expiry."""

    vulnerability: str
    owner: str
    expires: date
    reason: str
    package: str = ""  # purl; without a version it covers every version

    def __post_init__(self) -> None:
        if not self.owner or not self.reason:
            raise UsageError(f"exception for {self.vulnerability} needs an owner and a reason")


def _names(item: Any) -> list[str]:
    """What an OpenVEX component is called: its `@id`, `identifiers.purl`, `hashes.sha-256`."""
    if isinstance(item, str):
        return [item]
    if not isinstance(item, Mapping):
        return []
    identifiers, hashes = item.get("identifiers"), item.get("hashes")
    names = [
        item.get("@id"),
        identifiers.get("purl") if isinstance(identifiers, Mapping) else None,
        f"sha256:{hashes['sha-256']}" if isinstance(hashes, Mapping) and hashes.get("sha-256") else None,
    ]
    return [n for n in names if isinstance(n, str) and n]


def _ids(items: Any, where: str) -> tuple[str, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise UsageError(f"{where} must be a list")
    out = []
    for item in items:
        names = _names(item)
        if not names:
            raise UsageError(f"{where}: each entry needs an @id, identifiers.purl or hashes.sha-256")
        out.extend(names)
    return tuple(out)


def _statement(raw: Any, where: str, source: str) -> VexStatement:
    if not isinstance(raw, Mapping):
        raise UsageError(f"{where} is not an object")
    vuln = raw.get("vulnerability")
    name = vuln.get("name") if isinstance(vuln, Mapping) else vuln
    status = raw.get("status")
    if not isinstance(name, str) or status not in STATUSES:
        raise UsageError(f"{where} needs a vulnerability name and a valid status")
    justification = str(raw.get("justification") or "")
    impact = str(raw.get("impact_statement") or "")
    if status == "not_affected" and not (justification or impact):
        raise UsageError(
            f"{where} ({name}): a not_affected statement needs a justification or an impact_statement"
        )
    products = raw.get("products")
    subs = list(_ids(raw.get("subcomponents"), f"{where}: subcomponents"))
    for product in products if isinstance(products, list) else ():  # v0.2: nested under a product
        if isinstance(product, Mapping):
            subs.extend(_ids(product.get("subcomponents"), f"{where}: product subcomponents"))
    products_ids = _ids(products, f"{where}: products")
    if not justification and status == "affected":
        justification = str(raw.get("action_statement") or "")
    return VexStatement(name, status, products_ids, tuple(subs), justification, impact, source)


def parse_openvex(doc: Any, source: str = "") -> list[VexStatement]:
    """Statements of an OpenVEX document (v0.0.x or v0.2.x); raises UsageError on malformed input.

    A `not_affected` statement must carry a `justification` or an `impact_statement`, as OpenVEX
    requires: a suppression without a recorded reason is not evidence.
    """
    name = source or "VEX document"
    if (
        not isinstance(doc, Mapping)
        or not isinstance(doc.get("statements"), list)
        or "openvex" not in str(doc.get("@context", ""))
    ):
        raise UsageError(f"{name} is not an OpenVEX document (no @context/statements object)")
    return [_statement(raw, f"{name}: statement {i}", source) for i, raw in enumerate(doc["statements"])]


def load_openvex(path: Path) -> list[VexStatement]:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read VEX document {path}: {exc}") from exc
    return parse_openvex(doc, str(path))


def _purl_covers(pattern: str, purl: str) -> bool:
    """True when `pattern` names the same package as `purl` (and its version, if it has one)."""
    try:
        want, have = PackageURL.from_string(pattern), PackageURL.from_string(purl)
    except ValueError:
        return False
    same = (want.type, (want.namespace or "").lower(), want.name.lower()) == (
        have.type, (have.namespace or "").lower(), have.name.lower(),
    )  # fmt: skip
    return same and (not want.version or want.version == have.version)


def _product_matches(product: str, purl: str, image: ImageIdentity | None, nested: bool) -> bool:
    if is_image_product(product):
        return image is not None and image.matches(product)
    return nested or _purl_covers(product, purl)  # with subcomponents, those name the package


def statement_applies(
    statement: VexStatement, ids: frozenset[str], purl: str, image: ImageIdentity | None = None
) -> bool:
    """Whether the statement covers this finding: its vulnerability, one of its products (an image
    product must name `image`, the scanned image), and one of its subcomponents if it lists any."""
    if statement.vulnerability not in ids:
        return False
    nested = bool(statement.subcomponents)
    if statement.products and not any(_product_matches(p, purl, image, nested) for p in statement.products):
        return False
    return not nested or any(_purl_covers(s, purl) for s in statement.subcomponents)


def exception_applies(exception: ScanException, ids: frozenset[str], purl: str, today: date) -> bool:
    if exception.vulnerability not in ids or exception.expires < today:
        return False
    return not exception.package or _purl_covers(exception.package, purl)


def parse_exception(raw: Any) -> ScanException:
    """An exception from plain values (`.dockgate.yml` or JSON): vulnerability, owner, expires, reason
    and optionally package (a purl); unknown keys are refused rather than ignored."""
    if not isinstance(raw, Mapping):
        raise UsageError(
            f"an exception must be an object with vulnerability, owner, expires, reason: {raw!r}"
        )
    unknown = sorted(str(k) for k in raw if k not in EXCEPTION_KEYS)
    if unknown:  # e.g. a misspelt `package` would silently widen the exception to every package
        raise UsageError(
            f"exception has unknown key(s) {', '.join(unknown)}; use {', '.join(EXCEPTION_KEYS)}"
        )
    vulnerability = str(raw.get("vulnerability") or raw.get("id") or "")
    if not vulnerability:
        raise UsageError("an exception needs the id of the vulnerability it accepts (`vulnerability`)")
    expires = raw.get("expires")
    try:
        if isinstance(expires, datetime):
            when = expires.date()
        else:
            when = expires if isinstance(expires, date) else datetime.fromisoformat(str(expires)).date()
    except ValueError as exc:
        raise UsageError(f"exception for {vulnerability}: expires must be YYYY-MM-DD") from exc
    return ScanException(
        vulnerability, str(raw.get("owner") or ""), when, str(raw.get("reason") or ""),
        str(raw.get("package") or raw.get("purl") or ""),
    )  # fmt: skip
