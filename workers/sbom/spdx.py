"""SPDX 2.3 JSON from our CycloneDX document, for consumers that only read SPDX.

A faithful subset: one SPDX package per component (name, version, purl external reference,
declared licence when every licence is an SPDX id or expression), the image as the described
package that CONTAINS the rest. Deterministic like the CycloneDX it comes from.
"""

from __future__ import annotations

from typing import Any

SPDX_VERSION = "SPDX-2.3"


def _license(component: dict[str, Any]) -> str:
    parts = []
    for item in component.get("licenses") or []:
        if "expression" in item:
            parts.append(f"({item['expression']})")
        elif "id" in (item.get("license") or {}):
            parts.append(item["license"]["id"])
        else:
            return "NOASSERTION"
    return " AND ".join(parts) if parts else "NOASSERTION"


def _package(spdx_id: str, component: dict[str, Any]) -> dict[str, Any]:
    package: dict[str, Any] = {
        "SPDXID": spdx_id,
        "name": component["name"],
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": _license(component),
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": {
            "container": "CONTAINER",
            "operating-system": "OPERATING-SYSTEM",
            "application": "APPLICATION",
        }.get(component.get("type", ""), "LIBRARY"),
    }
    if component.get("version"):
        package["versionInfo"] = component["version"]
    if component.get("purl"):
        package["externalRefs"] = [
            {
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": component["purl"],
            }
        ]
    if component.get("publisher"):
        package["supplier"] = f"Organization: {component['publisher']}"
    return package


def cyclonedx_to_spdx(bom: dict[str, Any]) -> dict[str, Any]:
    """An SPDX 2.3 document describing the same image and packages as `bom`."""
    metadata = bom.get("metadata") or {}
    image = metadata.get("component") or {"name": "image", "type": "container"}
    serial = str(bom.get("serialNumber", "urn:uuid:0")).rpartition(":")[2]
    packages = [_package("SPDXRef-Image", image)]
    relationships = [
        {
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": "SPDXRef-Image",
        }
    ]
    for number, component in enumerate(bom.get("components") or [], start=1):
        spdx_id = f"SPDXRef-Package-{number}"
        packages.append(_package(spdx_id, component))
        relationships.append(
            {"spdxElementId": "SPDXRef-Image", "relationshipType": "CONTAINS", "relatedSpdxElement": spdx_id}
        )
    return {
        "spdxVersion": SPDX_VERSION,
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": image["name"],
        "documentNamespace": f"https://dockgate.invalid/spdx/{serial}",
        "creationInfo": {
            "created": metadata.get("timestamp", "1970-01-01T00:00:00Z").replace("+00:00", "Z"),
            "creators": ["Tool: dockgate"],
        },
        "packages": packages,
        "relationships": relationships,
    }
