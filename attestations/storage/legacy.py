"""cosign's legacy layout: `sha256-<hex>.sig` (simple signing) and `.att` (DSSE) images, byte-exact (D3).

go-containerregistry builds these as an empty image plus one layer per signature; the manifest and
config JSON below reproduce its field order, and annotation maps are key-sorted as Go marshals them.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping
from typing import Any

from attestations.oci import NotFound, RegistryClient, RegistryError, canonical_json, digest_of
from attestations.oci.locks import UPDATE_ATTEMPTS
from attestations.oci.mediatypes import (
    ANN_PREDICATE_TYPE,
    ANN_SIGNATURE,
    DSSE_LAYER,
    OCI_CONFIG,
    OCI_MANIFEST,
    SIMPLESIGNING,
)

logger = logging.getLogger(__name__)

MAX_LEGACY_LAYERS = 1000


def signature_tag(digest: str) -> str:
    return digest.replace(":", "-", 1) + ".sig"


def attestation_tag(digest: str) -> str:
    return digest.replace(":", "-", 1) + ".att"


def simple_signing_payload(
    docker_reference: str, digest: str, optional: Mapping[str, str] | None = None
) -> bytes:
    """The payload `cosign sign` signs (sigstore/sigstore pkg/signature/payload), byte for byte."""
    return canonical_json(
        {
            "critical": {
                "identity": {"docker-reference": docker_reference},
                "image": {"docker-manifest-digest": digest},
                "type": "cosign container image signature",
            },
            "optional": dict(optional) if optional else None,
        }
    )


def _config(diff_ids: list[str]) -> bytes:
    return canonical_json(
        {
            "architecture": "",
            "created": "0001-01-01T00:00:00Z",
            "history": [{"created": "0001-01-01T00:00:00Z"} for _ in diff_ids],
            "os": "",
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "config": {},
        }
    )


def legacy_manifest(layers: list[dict[str, Any]]) -> tuple[bytes, bytes]:
    """(manifest, config) of a cosign signature image holding `layers`."""
    config = _config([layer["digest"] for layer in layers])
    manifest = canonical_json(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "size": len(config), "digest": digest_of(config)},
            "layers": layers,
        }
    )
    return manifest, config


def append_layer(
    client: RegistryClient,
    repository: str,
    tag: str,
    blob: bytes,
    media_type: str,
    annotations: Mapping[str, str],
) -> str:
    """Add one layer to the signature image at `tag`, replacing an identical blob; returns its digest.

    Under the tag's lock, and read back after writing: if another writer replaced the manifest
    without our layer, the layer is appended again (a few times, then reported).
    """
    digest = client.put_blob(repository, blob)
    written = False
    with client.lock_tag(repository, tag):
        for _attempt in range(UPDATE_ATTEMPTS + 1):  # the last pass only checks
            try:
                current = client.get_manifest(repository, tag)
                layers = list(current.json().get("layers", []))
            except NotFound:
                current, layers = None, []
            if written and current is not None and any(layer.get("digest") == digest for layer in layers):
                return current.digest
            if _attempt == UPDATE_ATTEMPTS:
                break
            if written:
                logger.warning("%s:%s lost a layer to another writer: appending it again", repository, tag)
            layers = [layer for layer in layers if layer.get("digest") != digest][: MAX_LEGACY_LAYERS - 1]
            layers.append(
                {
                    "mediaType": media_type,
                    "size": len(blob),
                    "digest": digest,
                    "annotations": dict(sorted(annotations.items())),
                }
            )
            manifest, config = legacy_manifest(layers)
            client.put_blob(repository, config)
            client.put_manifest(repository, tag, manifest, OCI_MANIFEST)
            written = True
    raise RegistryError(
        f"{repository}:{tag} kept being replaced by another writer while adding a layer; run the job again"
    )


def write_legacy_signature(
    client: RegistryClient,
    repository: str,
    image_digest: str,
    payload: bytes,
    signature: bytes,
    extra: Mapping[str, str] | None = None,
) -> str:
    """Append a simple-signing layer (payload + signature annotation) to `sha256-<hex>.sig`."""
    annotations = {ANN_SIGNATURE: base64.b64encode(signature).decode(), **dict(extra or {})}
    return append_layer(client, repository, signature_tag(image_digest), payload, SIMPLESIGNING, annotations)


def write_legacy_attestation(
    client: RegistryClient,
    repository: str,
    image_digest: str,
    envelope_json: bytes,
    predicate_type: str,
    extra: Mapping[str, str] | None = None,
) -> str:
    """Append a DSSE envelope layer to `sha256-<hex>.att` (empty signature annotation, as cosign does)."""
    annotations = {ANN_SIGNATURE: "", ANN_PREDICATE_TYPE: predicate_type, **dict(extra or {})}
    return append_layer(
        client, repository, attestation_tag(image_digest), envelope_json, DSSE_LAYER, annotations
    )
