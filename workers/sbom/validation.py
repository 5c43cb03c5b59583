"""CycloneDX 1.6 strict JSON-schema validation with cyclonedx-python-lib's schema, made linear.

The library's validator checks `uniqueItems` (components, dependencies, dependsOn) by comparing
every pair: 45 s for an image with 2,000 npm modules. Here the same schema and registry run with
one change: uniqueness is decided by hashing each item's canonical JSON (same verdict, O(n); integral
floats are written as ints first, since jsonschema counts 1 and 1.0 as equal).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]
from jsonschema.protocols import Validator  # type: ignore[import-untyped]
from jsonschema.validators import extend  # type: ignore[import-untyped]

from workers.sbom.errors import SbomError

# How json.dumps spells an integral float (79.0, 1e+16), or something in a string that looks alike
_INTEGRAL_FLOAT = re.compile(r"\d\.0[,\]}]|\de[+-]")


def _unique_items(validator: Any, unique: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not unique or not validator.is_type(instance, "array"):
        return
    seen: set[str] = set()
    for item in instance:
        key = json.dumps(item, sort_keys=True, separators=(",", ":"))
        if _INTEGRAL_FLOAT.search(key):  # rare (our SBOMs hold no floats): spell 1.0 as 1 first
            key = json.dumps(_plain(item), sort_keys=True, separators=(",", ":"))
        if key in seen:
            yield ValidationError(f"{instance!r} has non-unique elements")
            return
        seen.add(key)


def _plain(value: Any) -> Any:
    """`value` with integral floats as ints: jsonschema's equality holds 1 == 1.0 (and True != 1)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@cache
def _validator() -> Validator:
    base: Any = JsonStrictValidator(SchemaVersion.V1_6)._validator  # the library's schema + registry
    fast = extend(type(base), {"uniqueItems": _unique_items})
    validator: Validator = fast(base.schema, registry=base._registry, format_checker=base.format_checker)
    return validator


def validate_document(document: dict[str, Any]) -> None:
    """Raise SbomError with the first schema violation, if any."""
    error = next(iter(_validator().iter_errors(document)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise SbomError(f"the SBOM does not validate against CycloneDX 1.6 at {where}: {error.message}")
