"""OpenVEX statements and scoped exceptions: the two ways a finding stops counting.

A suppression is never silent: the finding moves to `suppressed` with the statement's status and
justification (or the exception's owner, reason and expiry) recorded in the report. Exceptions
expire; an expired one suppresses nothing and is named in the report's notes. Plain dataclasses,
so `.dockgate.yml` parsing (workers.repoconfig) and signed VEX attestations can both feed them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from packageurl import PackageURL

from attestations.errors import UsageError

SUPPRESSING = frozenset({"not_affected", "fixed"})
STATUSES = SUPPRESSING | {"affected", "under_investigation"}
IMAGE_PURL_TYPES = frozenset({"oci", "docker"})


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


def _ids(items: Iterable[Any]) -> tuple[str, ...]:
    out = []
    for item in items or ():
        value = item.get("@id") if isinstance(item, Mapping) else item
        if isinstance(value, str):
            out.append(value)
    return tuple(out)


def parse_openvex(doc: Mapping[str, Any], source: str = "") -> list[VexStatement]:
    """Statements of an OpenVEX document (v0.0.x or v0.2.x); raises UsageError on malformed input."""
    if not isinstance(doc.get("statements"), list) or "openvex" not in str(doc.get("@context", "")):
        raise UsageError(f"{source or 'VEX document'} is not an OpenVEX document (no @context/statements)")
    out = []
    for index, raw in enumerate(doc["statements"]):
        vuln = raw.get("vulnerability")
        name = vuln.get("name") if isinstance(vuln, Mapping) else vuln
        status = raw.get("status")
        if not isinstance(name, str) or status not in STATUSES:
            raise UsageError(f"{source}: statement {index} needs a vulnerability name and a valid status")
        products = raw.get("products") or []
        subs = list(raw.get("subcomponents") or [])
        for product in products:  # v0.2: subcomponents nested under each product
            if isinstance(product, Mapping):
                subs.extend(product.get("subcomponents") or [])
        justification = str(raw.get("justification") or raw.get("action_statement") or "")
        out.append(
            VexStatement(name, status, _ids(products), _ids(subs), justification,
                         str(raw.get("impact_statement") or ""), source)
        )  # fmt: skip
    return out


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


def _image_level(product: str) -> bool:
    return not product.startswith("pkg:") or product.split("/", 1)[0][4:] in IMAGE_PURL_TYPES


def statement_applies(statement: VexStatement, ids: frozenset[str], purl: str) -> bool:
    if statement.vulnerability not in ids:
        return False
    if statement.subcomponents:
        return any(_purl_covers(s, purl) for s in statement.subcomponents)
    if not statement.products:
        return True
    return any(_image_level(p) or _purl_covers(p, purl) for p in statement.products)


def exception_applies(exception: ScanException, ids: frozenset[str], purl: str, today: date) -> bool:
    if exception.vulnerability not in ids or exception.expires < today:
        return False
    return not exception.package or _purl_covers(exception.package, purl)


def parse_exception(raw: Mapping[str, Any]) -> ScanException:
    """An exception from plain values (`.dockgate.yml` or JSON): vulnerability, owner, expires, reason."""
    expires = raw.get("expires")
    try:
        when = expires if isinstance(expires, date) else datetime.fromisoformat(str(expires)).date()
    except ValueError as exc:
        raise UsageError(f"exception for {raw.get('vulnerability')}: expires must be YYYY-MM-DD") from exc
    return ScanException(
        str(raw.get("vulnerability") or raw.get("id") or ""), str(raw.get("owner") or ""), when,
        str(raw.get("reason") or ""), str(raw.get("package") or ""),
    )  # fmt: skip
