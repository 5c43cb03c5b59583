"""The CycloneDX document: schema-valid, deterministic, image as metadata component, properties."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import pytest

from workers.image import ImageFS
from workers.sbom import OWNER_PROPERTY, SbomError, generate, to_json, validate_json
from workers.sbom.cyclonedx import SBOM_NAMESPACE
from workers.sbom.spdx import cyclonedx_to_spdx

OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'
STATUS = "Package: python3-six\nStatus: install ok installed\nArchitecture: all\nVersion: 1.16.0-4\n"
SIX = "/usr/lib/python3/dist-packages/six-1.16.0.dist-info"


def _image(image_of: Callable[..., ImageFS]) -> ImageFS:
    base = {
        "/etc/os-release": OS_RELEASE,
        "/var/lib/dpkg/status": STATUS,
        "/var/lib/dpkg/info/python3-six.list": f"{SIX}/METADATA\n",
    }
    app = {
        f"{SIX}/METADATA": "Name: six\nVersion: 1.16.0\nLicense: MIT\n",
        "/app/node_modules/a/package.json": '{"name": "a", "version": "1.0.0", '
        '"license": "MIT OR Apache-2.0"}',
    }
    return image_of(base, app, labels={"org.opencontainers.image.source": "https://example.test/repo"})


def test_document_validates_and_carries_the_contract(image_of: Callable[..., ImageFS]) -> None:
    image = _image(image_of)
    document = json.loads(to_json(generate(image)))
    assert document["specVersion"] == "1.6"
    assert document["serialNumber"] == f"urn:uuid:{uuid.uuid5(SBOM_NAMESPACE, image.image_id)}"
    assert document["metadata"]["timestamp"].startswith("2026-01-02T03:04:05")
    root = document["metadata"]["component"]
    assert root["type"] == "container" and root["version"] == image.image_id
    assert {
        "name": "oci:label:org.opencontainers.image.source",
        "value": "https://example.test/repo",
    } in root["properties"]
    by_name = {c["name"]: c for c in document["components"]}
    assert by_name["debian"]["type"] == "operating-system"
    six = {p["name"]: p["value"] for p in by_name["six"]["properties"]}
    assert six[OWNER_PROPERTY] == "pkg:deb/debian/python3-six@1.16.0-4?arch=all&distro=debian-12"
    assert six["dockgate:layer"] == image.layers[1].diff_id
    assert by_name["six"]["evidence"]["occurrences"][0]["location"] == f"{SIX}/METADATA"
    assert by_name["a"]["licenses"] == [{"expression": "MIT OR Apache-2.0"}]
    refs = [c["bom-ref"] for c in document["components"]]
    assert len(refs) == len(set(refs))
    root_deps = next(d for d in document["dependencies"] if d["ref"] == root["bom-ref"])
    assert set(root_deps["dependsOn"]) == set(refs)


def test_same_image_same_bytes(image_of: Callable[..., ImageFS]) -> None:
    assert to_json(generate(_image(image_of))) == to_json(generate(_image(image_of)))


def test_invalid_documents_are_refused(image_of: Callable[..., ImageFS]) -> None:
    document = json.loads(to_json(generate(_image(image_of))))
    document["components"][0]["type"] = "not-a-type"
    with pytest.raises(SbomError, match="components/0/type"):
        validate_json(json.dumps(document))
    document = json.loads(to_json(generate(_image(image_of))))
    document["components"].append(document["components"][0])
    with pytest.raises(SbomError, match="non-unique"):
        validate_json(json.dumps(document))


def test_spdx_view(image_of: Callable[..., ImageFS]) -> None:
    document = json.loads(to_json(generate(_image(image_of))))
    spdx = cyclonedx_to_spdx(document)
    assert spdx["spdxVersion"] == "SPDX-2.3"
    assert len(spdx["packages"]) == len(document["components"]) + 1
    locators = {ref["referenceLocator"] for p in spdx["packages"] for ref in p.get("externalRefs", [])}
    assert "pkg:npm/a@1.0.0" in locators
    assert sum(r["relationshipType"] == "CONTAINS" for r in spdx["relationships"]) == len(
        document["components"]
    )
