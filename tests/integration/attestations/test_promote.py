"""Promotion staging -> prod (basic auth): image, bundles, index and legacy layers copied; tag pushed last."""

from __future__ import annotations

import base64
import json
import os
import uuid
from pathlib import Path

import pytest

from attestations.attach import attach_attestations, sign_image
from attestations.oci import NotFound, RegistryClient, RegistryError
from attestations.oci.auth import Credentials
from attestations.policy import VerificationPolicy
from attestations.predicates import cyclonedx_statement
from attestations.promote import copy_image_with_attestations
from attestations.signing.key_signer import KeySigner
from attestations.signing.keys import generate_key, public_key_pem
from attestations.statements import CYCLONEDX, IMAGE_SIGNATURE, image_subject
from attestations.storage.legacy import attestation_tag, signature_tag
from attestations.verify import verify_image

from .conftest import LocalSigstore, PushedImage
from .peers import run_cosign

pytestmark = pytest.mark.registry
BOM = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": []}


def _signed(image: PushedImage, client: RegistryClient) -> KeySigner:
    signer = KeySigner(generate_key())
    sign_image(image.ref, signer, client)
    subject = image_subject(f"{image.registry}/{image.repository}", image.digest)
    attach_attestations(image.ref, [cyclonedx_statement(subject, BOM)], signer, client)
    return signer


def test_promote_copies_everything(
    staging_client: RegistryClient, prod_client: RegistryClient, staging_image: PushedImage
) -> None:
    signer = _signed(staging_image, staging_client)
    dst_repo = f"promoted/app-{uuid.uuid4().hex[:8]}"
    dst = copy_image_with_attestations(staging_client, staging_image.ref, prod_client, dst_repo, "v1")
    assert dst.digest == staging_image.digest
    assert prod_client.get_manifest(dst_repo, "v1").digest == staging_image.digest
    for tag in (signature_tag(dst.digest), attestation_tag(dst.digest)):
        assert prod_client.manifest_exists(dst_repo, tag)
    key = signer.public_key
    policy = VerificationPolicy(public_keys=(key,), required_predicate_types=(IMAGE_SIGNATURE, CYCLONEDX))
    report = verify_image(f"{prod_client.registry}/{dst_repo}:v1", policy, prod_client)
    assert report.ok, report.to_dict()
    # promoting again is idempotent (no duplicate index entries)
    copy_image_with_attestations(staging_client, staging_image.ref, prod_client, dst_repo, "v1")
    assert len(prod_client.referrers(dst_repo, dst.digest)) == 2


class _FailingIndexClient(RegistryClient):
    """The real prod client, except that writing the referrers index fails (a crash mid-promotion)."""

    def put_manifest(self, repository: str, reference: str, raw: bytes, media_type: str) -> str:
        if reference.startswith("sha256-") and not reference.endswith((".sig", ".att")):
            raise RegistryError("injected failure")
        return super().put_manifest(repository, reference, raw, media_type)


def test_failed_promotion_leaves_no_tag(
    staging_client: RegistryClient, prod_creds: Credentials, staging_image: PushedImage
) -> None:
    _signed(staging_image, staging_client)
    failing = _FailingIndexClient("127.0.0.1:5002", credentials=prod_creds)
    dst_repo = f"promoted/fail-{uuid.uuid4().hex[:8]}"
    with pytest.raises(RegistryError, match="injected"):
        copy_image_with_attestations(staging_client, staging_image.ref, failing, dst_repo, "v1")
    with pytest.raises(NotFound):
        failing.get_manifest(dst_repo, "v1")


@pytest.mark.slow
def test_cosign_verifies_promoted_image_on_auth_registry(
    staging_client: RegistryClient,
    prod_client: RegistryClient,
    prod_creds: Credentials,
    staging_image: PushedImage,
    tmp_path: Path,
    local_sigstore: LocalSigstore,
) -> None:
    signer = _signed(staging_image, staging_client)
    dst_repo = f"promoted/cosign-{uuid.uuid4().hex[:8]}"
    dst = copy_image_with_attestations(staging_client, staging_image.ref, prod_client, dst_repo, "v1")
    pub = tmp_path / "k.pub"
    pub.write_bytes(public_key_pem(signer.public_key))
    auth = base64.b64encode(f"{prod_creds.username}:{prod_creds.password}".encode()).decode()
    (tmp_path / "config.json").write_text(json.dumps({"auths": {prod_client.registry: {"auth": auth}}}))
    env = {"DOCKER_CONFIG": str(tmp_path)}
    args = [
        "--key",
        str(pub),
        "--insecure-ignore-tlog=true",
        "--trusted-root",
        str(local_sigstore.trusted_root_json),
    ]
    proc = run_cosign("verify-attestation", *args, "--type", "cyclonedx", str(dst), extra_env=env)
    assert proc.returncode == 0, proc.stderr
    proc = run_cosign("verify", "--new-bundle-format=false", *args, str(dst), extra_env=env)
    assert proc.returncode == 0, proc.stderr


def test_promote_streams_large_layers_across_registries(
    staging_client: RegistryClient, prod_client: RegistryClient
) -> None:
    from .conftest import push_tiny_image

    image = push_tiny_image(
        staging_client, f"dockgate-test/big-{uuid.uuid4().hex[:8]}", "v1", os.urandom(3 << 20)
    )
    layer = staging_client.get_manifest(image.repository, "v1").json()["layers"][0]
    dst_repo = f"promoted/big-{uuid.uuid4().hex[:8]}"
    copy_image_with_attestations(staging_client, image.ref, prod_client, dst_repo, "v1")
    with prod_client.open_blob(dst_repo, layer["digest"]) as stream:
        size = sum(len(chunk) for chunk in iter(lambda: stream.read(1 << 16), b""))
    assert size == layer["size"] > 3 << 20
