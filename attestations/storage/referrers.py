"""Sigstore bundles stored as OCI 1.1 referrers (cosign v3's layout, D2) plus the referrers tag-schema index.

Registries without the referrers API (distribution 2.8) get the `sha256-<hex>` index tag that
cosign, oras and sigstore-js read as the fallback; it is rewritten, de-duplicated, after each push.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from attestations.oci import NotFound, RegistryClient, RegistryError, canonical_json, digest_of
from attestations.oci.locks import UPDATE_ATTEMPTS
from attestations.oci.mediatypes import (
    ANN_BUNDLE_CONTENT,
    ANN_BUNDLE_PREDICATE_TYPE,
    ANN_CREATED,
    BUNDLE_V03,
    INDEX_TYPES,
    OCI_EMPTY,
    OCI_EMPTY_DIGEST,
    OCI_INDEX,
    OCI_MANIFEST,
)

logger = logging.getLogger(__name__)


def referrers_tag(digest: str) -> str:
    """The tag-schema tag of a subject digest: `sha256:<hex>` -> `sha256-<hex>`."""
    return digest.replace(":", "-", 1)


def bundle_referrer_manifest(
    subject: dict[str, Any], bundle_json: bytes, predicate_type: str, content: str, created: str | None = None
) -> bytes:
    """The referrer manifest cosign v3 writes for one bundle (field order as cosign's)."""
    annotations = {
        ANN_CREATED: created or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        ANN_BUNDLE_CONTENT: content,
        ANN_BUNDLE_PREDICATE_TYPE: predicate_type,
    }
    return canonical_json(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": BUNDLE_V03,
            "config": {"mediaType": OCI_EMPTY, "digest": OCI_EMPTY_DIGEST, "size": 2},
            "layers": [{"mediaType": BUNDLE_V03, "digest": digest_of(bundle_json), "size": len(bundle_json)}],
            "subject": {
                "mediaType": subject["mediaType"],
                "digest": subject["digest"],
                "size": subject["size"],
            },
            "annotations": annotations,
        }
    )


def referrer_descriptor(manifest: bytes) -> dict[str, Any]:
    """The index entry for a referrer manifest: descriptor + artifactType + annotations."""
    doc = json.loads(manifest)
    entry: dict[str, Any] = {"mediaType": doc.get("mediaType", OCI_MANIFEST), "digest": digest_of(manifest)}
    entry["size"] = len(manifest)
    if "artifactType" in doc:
        entry["artifactType"] = doc["artifactType"]
    if doc.get("annotations"):
        entry["annotations"] = doc["annotations"]
    return entry


def add_to_referrers_index(
    client: RegistryClient, repository: str, subject_digest: str, entries: list[dict[str, Any]]
) -> None:
    """Merge `entries` into the tag-schema index of `subject_digest` (no-op with a referrers API).

    Under the tag's lock, and checked by reading the index back: a writer outside dockgate that
    replaced it meanwhile (losing our entries) is merged with again, a few times, then reported.
    """
    if client.has_referrers_api(repository, subject_digest):
        return
    tag = referrers_tag(subject_digest)
    with client.lock_tag(repository, tag):
        for attempt in range(UPDATE_ATTEMPTS + 1):  # the last pass only checks
            index = _read_index(client, repository, tag)
            known = {m.get("digest") for m in index.get("manifests", [])}
            added = [e for e in entries if e["digest"] not in known]
            if not added:
                return
            if attempt == UPDATE_ATTEMPTS:
                break
            if attempt:
                logger.warning(
                    "referrers index %s:%s lost %d entries to another writer: merging again",
                    repository,
                    tag,
                    len(added),
                )
            index["manifests"] = [*index.get("manifests", []), *added]
            client.put_manifest(repository, tag, canonical_json(index), OCI_INDEX)
            logger.debug(
                "referrers index %s:%s now lists %d manifests", repository, tag, len(index["manifests"])
            )
    raise RegistryError(
        f"the referrers index {repository}:{tag} kept being replaced by another writer while adding"
        f" {len(entries)} entries; run the job again"
    )


def _read_index(client: RegistryClient, repository: str, tag: str) -> dict[str, Any]:
    try:
        current = client.get_manifest(repository, tag)
        index = current.json() if current.media_type in INDEX_TYPES else None
    except NotFound:
        index = None
    return index if isinstance(index, dict) else {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}


def write_bundle_referrer(
    client: RegistryClient,
    repository: str,
    subject: dict[str, Any],
    bundle_json: bytes,
    predicate_type: str,
    *,
    content: str = "dsse-envelope",
    update_index: bool = True,
) -> dict[str, Any]:
    """Push bundle blob, empty config and referrer manifest (by digest); returns the descriptor."""
    client.put_blob(repository, b"{}")
    client.put_blob(repository, bundle_json)
    manifest = bundle_referrer_manifest(subject, bundle_json, predicate_type, content)
    client.put_manifest(repository, digest_of(manifest), manifest, OCI_MANIFEST)
    descriptor = referrer_descriptor(manifest)
    if update_index:
        add_to_referrers_index(client, repository, subject["digest"], [descriptor])
    return descriptor
