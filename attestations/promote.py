"""Promotion: copy an image with its signatures and attestations to another registry/repository.

Order matters: content (blobs, manifests by digest) and evidence (referrers, the tag-schema
index, legacy `.sig`/`.att`) land first, the tag last, so nothing verifiable-but-partial is ever
visible under the tag, and a failed copy leaves only unreferenced content behind.
"""

from __future__ import annotations

import logging
from typing import Any

from attestations.attach import resolve_image
from attestations.oci import ImageReference, Manifest, NotFound, RegistryClient
from attestations.oci.mediatypes import INDEX_TYPES
from attestations.storage.legacy import attestation_tag, signature_tag
from attestations.storage.referrers import add_to_referrers_index

logger = logging.getLogger(__name__)


def _copy_blob(
    src: RegistryClient, src_repo: str, dst: RegistryClient, dst_repo: str, blob: dict[str, Any]
) -> None:
    """Mount within one registry, else stream (layers can be large; the digest is checked end to end)."""
    digest = blob["digest"]
    if dst.blob_exists(dst_repo, digest):
        return
    if src.registry == dst.registry and dst.mount_blob(dst_repo, digest, src_repo):
        return
    with src.open_blob(src_repo, digest) as stream:
        dst.put_blob_stream(dst_repo, digest, stream, int(blob["size"]))


def _copy_manifest(
    src: RegistryClient, src_repo: str, dst: RegistryClient, dst_repo: str, manifest: Manifest
) -> None:
    """Copy a manifest (recursively for indexes) and everything it points at, by digest."""
    doc = manifest.json()
    if manifest.media_type in INDEX_TYPES:
        for child in doc.get("manifests", []):
            _copy_manifest(src, src_repo, dst, dst_repo, src.get_manifest(src_repo, child["digest"]))
    else:
        for descriptor in (
            [doc["config"], *doc.get("layers", [])] if "config" in doc else doc.get("layers", [])
        ):
            _copy_blob(src, src_repo, dst, dst_repo, descriptor)
    dst.put_manifest(dst_repo, manifest.digest, manifest.raw, manifest.media_type)


def _copy_tag(src: RegistryClient, src_repo: str, dst: RegistryClient, dst_repo: str, tag: str) -> bool:
    try:
        manifest = src.get_manifest(src_repo, tag)
    except NotFound:
        return False
    _copy_manifest(src, src_repo, dst, dst_repo, manifest)
    dst.put_manifest(dst_repo, tag, manifest.raw, manifest.media_type)
    return True


def _copy_evidence(
    src: RegistryClient, src_repo: str, dst: RegistryClient, dst_repo: str, digest: str
) -> int:
    descriptors: list[dict[str, Any]] = src.referrers(src_repo, digest)
    for descriptor in descriptors:
        _copy_manifest(src, src_repo, dst, dst_repo, src.get_manifest(src_repo, descriptor["digest"]))
    if descriptors:
        add_to_referrers_index(dst, dst_repo, digest, descriptors)
    legacy = sum(
        _copy_tag(src, src_repo, dst, dst_repo, t) for t in (signature_tag(digest), attestation_tag(digest))
    )
    return len(descriptors) + legacy


def copy_image_with_attestations(
    src_client: RegistryClient,
    src_ref: str | ImageReference,
    dst_client: RegistryClient,
    dst_repo: str,
    tag: str,
) -> ImageReference:
    """Copy image + evidence to `dst_client`/`dst_repo`, then tag it; returns the pinned destination."""
    ref, manifest = resolve_image(src_ref, src_client)
    _copy_manifest(src_client, ref.repository, dst_client, dst_repo, manifest)
    copied = _copy_evidence(src_client, ref.repository, dst_client, dst_repo, manifest.digest)
    dst_client.put_manifest(dst_repo, tag, manifest.raw, manifest.media_type)
    logger.info(
        "promoted %s to %s/%s:%s with %d evidence manifests", ref, dst_client.registry, dst_repo, tag, copied
    )
    return ImageReference(dst_client.registry, dst_repo, tag, manifest.digest)
