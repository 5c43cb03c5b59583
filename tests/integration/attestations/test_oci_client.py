"""The OCI client against the real local registries (distribution 2.8: no referrers API)."""

from __future__ import annotations

import json
import uuid

import pytest

from attestations.oci import (
    Credentials,
    DigestMismatch,
    NotFound,
    RegistryAuthError,
    RegistryClient,
    canonical_json,
    digest_of,
)
from attestations.oci.mediatypes import OCI_EMPTY, OCI_EMPTY_DIGEST, OCI_INDEX, OCI_MANIFEST

from .conftest import PushedImage, push_tiny_image

pytestmark = pytest.mark.registry


def test_manifest_round_trip_by_tag_and_digest(
    staging_client: RegistryClient, staging_image: PushedImage
) -> None:
    by_tag = staging_client.get_manifest(staging_image.repository, "v1")
    by_digest = staging_client.get_manifest(staging_image.repository, staging_image.digest)
    assert by_tag.digest == by_digest.digest == staging_image.digest
    assert by_tag.raw == by_digest.raw
    assert by_tag.media_type == OCI_MANIFEST
    assert "v1" in staging_client.list_tags(staging_image.repository)


def test_blobs_stream_and_verify(staging_client: RegistryClient, staging_image: PushedImage) -> None:
    repo = staging_image.repository
    data = uuid.uuid4().bytes * 50_000
    digest = staging_client.put_blob(repo, data)
    assert digest == digest_of(data)
    assert staging_client.blob_exists(repo, digest)
    assert staging_client.put_blob(repo, data) == digest  # idempotent
    with staging_client.open_blob(repo, digest) as stream:
        assert stream.read() == data
    assert staging_client.get_blob(repo, digest) == data
    missing = digest_of(b"never pushed " + uuid.uuid4().bytes)
    assert not staging_client.blob_exists(repo, missing)
    with pytest.raises(NotFound):
        staging_client.get_blob(repo, missing)


def test_get_blob_enforces_max_size(staging_client: RegistryClient, staging_image: PushedImage) -> None:
    digest = staging_client.put_blob(staging_image.repository, b"x" * 1000)
    with pytest.raises(Exception, match="larger than 100 bytes"):
        staging_client.get_blob(staging_image.repository, digest, max_size=100)
    assert len(staging_client.get_blob(staging_image.repository, digest, max_size=1000)) == 1000


def test_put_manifest_refuses_wrong_digest_reference(
    staging_client: RegistryClient, staging_image: PushedImage
) -> None:
    raw = staging_client.get_manifest(staging_image.repository, "v1").raw
    with pytest.raises(DigestMismatch):
        staging_client.put_manifest(staging_image.repository, digest_of(b"other"), raw, OCI_MANIFEST)


def test_mount_between_repositories(staging_client: RegistryClient, staging_image: PushedImage) -> None:
    layer = staging_client.get_manifest(staging_image.repository, "v1").json()["layers"][0]["digest"]
    target = staging_image.repository + "-copy"
    assert staging_client.mount_blob(target, layer, staging_image.repository)
    assert staging_client.blob_exists(target, layer)
    # a blob the source does not have cannot be mounted: the client cancels the upload and says so
    assert not staging_client.mount_blob(target, digest_of(uuid.uuid4().bytes), staging_image.repository)


def test_referrers_fall_back_to_tag_schema(
    staging_client: RegistryClient, staging_image: PushedImage
) -> None:
    repo = staging_image.repository
    assert staging_client.referrers(repo, staging_image.digest) == []
    staging_client.put_blob(repo, b"{}")
    empty = {"mediaType": OCI_EMPTY, "digest": OCI_EMPTY_DIGEST, "size": 2}
    doc = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": "x/y",
        "config": empty,
        "layers": [empty],
    }
    artifact = canonical_json(doc)
    staging_client.put_manifest(repo, digest_of(artifact), artifact, OCI_MANIFEST)
    entry = {
        "mediaType": OCI_MANIFEST,
        "digest": digest_of(artifact),
        "size": len(artifact),
        "artifactType": "x/y",
    }
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [entry]}).encode()
    staging_client.put_manifest(repo, staging_image.digest.replace(":", "-"), index, OCI_INDEX)
    assert staging_client.referrers(repo, staging_image.digest) == [entry]
    assert staging_client.referrers(repo, staging_image.digest, "x/y") == [entry]
    assert staging_client.referrers(repo, staging_image.digest, "other") == []
    assert staging_client.has_referrers_api(repo, staging_image.digest) is False


def test_prod_registry_basic_auth(prod_client: RegistryClient, prod_creds: Credentials) -> None:
    image = push_tiny_image(prod_client, f"dockgate-test/auth-{uuid.uuid4().hex[:8]}", "v1", b"auth")
    assert prod_client.get_manifest(image.repository, "v1").digest == image.digest
    anonymous = RegistryClient(prod_client.registry)
    with pytest.raises(RegistryAuthError, match="DOCKGATE_REGISTRY_CREDENTIALS"):
        anonymous.get_manifest(image.repository, "v1")
    wrong = RegistryClient(prod_client.registry, credentials=Credentials(prod_creds.username, "wrong"))
    with pytest.raises(RegistryAuthError):
        wrong.get_manifest(image.repository, "v1")
