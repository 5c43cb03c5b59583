"""Golden bytes of the storage layouts: cosign legacy images and cosign v3 bundle referrers."""

from __future__ import annotations

import json

from attestations.oci import digest_of
from attestations.oci.mediatypes import BUNDLE_V03, OCI_EMPTY_DIGEST, SIMPLESIGNING
from attestations.storage.legacy import (
    attestation_tag,
    legacy_manifest,
    signature_tag,
    simple_signing_payload,
)
from attestations.storage.referrers import bundle_referrer_manifest, referrer_descriptor, referrers_tag

DIGEST = "sha256:" + "ab" * 32


def test_tags() -> None:
    assert signature_tag(DIGEST) == "sha256-" + "ab" * 32 + ".sig"
    assert attestation_tag(DIGEST) == "sha256-" + "ab" * 32 + ".att"
    assert referrers_tag(DIGEST) == "sha256-" + "ab" * 32


def test_simple_signing_payload_bytes() -> None:
    assert simple_signing_payload("127.0.0.1:5001/app", DIGEST) == (
        b'{"critical":{"identity":{"docker-reference":"127.0.0.1:5001/app"},'
        b'"image":{"docker-manifest-digest":"' + DIGEST.encode() + b'"},'
        b'"type":"cosign container image signature"},"optional":null}'
    )


def test_empty_digest_constant() -> None:
    assert digest_of(b"{}") == OCI_EMPTY_DIGEST


def test_legacy_config_is_go_containerregistry_shaped() -> None:
    layer = {"mediaType": SIMPLESIGNING, "size": 1, "digest": DIGEST, "annotations": {}}
    manifest, config = legacy_manifest([layer])
    assert len(config) == 233  # as in real cosign signature images
    doc = json.loads(manifest)
    assert list(doc) == ["schemaVersion", "mediaType", "config", "layers"]
    assert list(doc["config"]) == ["mediaType", "size", "digest"]
    assert json.loads(config)["rootfs"]["diff_ids"] == [DIGEST]


def test_bundle_referrer_manifest() -> None:
    subject = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": DIGEST, "size": 10}
    raw = bundle_referrer_manifest(
        subject, b'{"b":1}', "https://cyclonedx.org/bom", "dsse-envelope", "2026-01-01T00:00:00Z"
    )
    doc = json.loads(raw)
    assert list(doc) == [
        "schemaVersion",
        "mediaType",
        "artifactType",
        "config",
        "layers",
        "subject",
        "annotations",
    ]
    assert doc["artifactType"] == BUNDLE_V03 and doc["config"]["digest"] == OCI_EMPTY_DIGEST
    assert doc["layers"] == [{"mediaType": BUNDLE_V03, "digest": digest_of(b'{"b":1}'), "size": 7}]
    assert doc["annotations"]["dev.sigstore.bundle.predicateType"] == "https://cyclonedx.org/bom"
    entry = referrer_descriptor(raw)
    assert entry["digest"] == digest_of(raw) and entry["artifactType"] == BUNDLE_V03
