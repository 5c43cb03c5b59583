"""The linear-time validator (workers/sbom/validation.py) gives the same verdict as
cyclonedx-python-lib's own `JsonStrictValidator(SchemaVersion.V1_6)`, on a generated document and on
broken ones (duplicates, wrong types, missing fields, 1 == 1.0 in a uniqueItems array)."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from workers.image import ImageFS
from workers.sbom import SbomError, generate, to_json
from workers.sbom.validation import validate_document

OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'
STATUS = "Package: python3-six\nStatus: install ok installed\nArchitecture: all\nVersion: 1.16.0-4\n"


def _jar() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr(
            "META-INF/maven/org.x/y/pom.properties", "groupId=org.x\nartifactId=y\nversion=1.0\n"
        )
    return buf.getvalue()


@pytest.fixture
def document(image_of: Callable[..., ImageFS]) -> dict[str, Any]:
    six = "/usr/lib/python3/dist-packages/six-1.16.0.dist-info"
    image = image_of(
        {
            "/etc/os-release": OS_RELEASE,
            "/var/lib/dpkg/status": STATUS,
            "/var/lib/dpkg/info/python3-six.list": f"{six}/METADATA\n",
            "/usr/share/doc/python3-six/copyright": "Files: *\nLicense: Expat\n",
        },
        {
            f"{six}/METADATA": "Name: six\nVersion: 1.16.0\nLicense: MIT\n",
            "/app/node_modules/a/package.json": '{"name": "a", "version": "1.0.0", "license": "MIT"}',
            "/app/lib/y.jar": _jar(),
            "/var/lib/rpm/Packages": b"\x00" * 64,  # a skip, recorded as a document property
        },
        labels={"org.opencontainers.image.source": "https://example.test/repo"},
    )
    doc: dict[str, Any] = json.loads(to_json(generate(image)))
    assert len(doc["components"]) >= 5
    return doc


def _theirs(doc: Any) -> bool:
    return JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(doc)) is None


def _ours(doc: Any) -> bool:
    try:
        validate_document(doc)
    except SbomError:
        return False
    return True


def _duplicate_component(doc: dict[str, Any]) -> None:
    doc["components"].append(copy.deepcopy(doc["components"][1]))


def _duplicate_dependency(doc: dict[str, Any]) -> None:
    doc["dependencies"].append(copy.deepcopy(doc["dependencies"][-1]))


def _duplicate_depends_on(doc: dict[str, Any]) -> None:
    root = next(d for d in doc["dependencies"] if d.get("dependsOn"))
    root["dependsOn"].append(root["dependsOn"][0])


def _vulnerabilities(*cwes: list[Any]) -> Callable[[dict[str, Any]], None]:
    """Vulnerabilities identical but for their `cwes` (an array of integers)."""

    def mutate(doc: dict[str, Any]) -> None:
        doc["vulnerabilities"] = [{"id": "CVE-2024-0001", "cwes": c} for c in cwes]

    return mutate


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is KeyError:
            del target[last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return mutate


MUTATIONS: dict[str, tuple[Callable[[dict[str, Any]], None], bool]] = {
    "unchanged": (lambda doc: None, True),
    "duplicate component": (_duplicate_component, False),
    "duplicate dependency": (_duplicate_dependency, False),
    "duplicate dependsOn": (_duplicate_depends_on, False),
    "distinct vulnerabilities": (_vulnerabilities([79], [80]), True),
    "duplicate vulnerabilities": (_vulnerabilities([79], [79]), False),
    "1 and 1.0 are equal": (_vulnerabilities([79], [79.0]), False),
    "true and 1 are not": (_vulnerabilities([1], [True]), False),  # True is no integer: invalid anyway
    "bom version as a string": (_set("version", "1"), False),
    "unknown component type": (_set("components/0/type", "banana"), False),
    "components as an object": (_set("components", {}), False),
    "purl as a number": (_set("components/1/purl", 42), False),
    "property value as a number": (_set("metadata/component/properties/0/value", 7), False),
    "no bomFormat": (_set("bomFormat", KeyError), False),
    "unknown top-level field": (_set("extra", True), False),
}


@pytest.mark.parametrize("case", list(MUTATIONS))
def test_same_verdict_as_the_library(document: dict[str, Any], case: str) -> None:
    mutate, valid = MUTATIONS[case]
    doc = copy.deepcopy(document)
    mutate(doc)
    assert (_theirs(doc), _ours(doc)) == (valid, valid)
