"""Independent verifiers accept what dockgate writes: real cosign v3 and sigstore-js (@sigstore/verify).

Also the reverse direction: what real cosign writes in the legacy layout is byte-identical to
dockgate's writer and verifies with dockgate's verifier.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sigstore.models import ClientTrustConfig

from attestations.attach import attach_attestations, sign_image
from attestations.oci import RegistryClient, digest_of
from attestations.oci.mediatypes import ANN_SIGNATURE, DSSE_LAYER, SIMPLESIGNING
from attestations.policy import VerificationPolicy
from attestations.predicates import cyclonedx_statement
from attestations.signing.key_signer import KeySigner
from attestations.signing.keyless import KeylessSigner
from attestations.signing.keys import generate_key, key_hint, load_public_key, public_key_pem
from attestations.statements import CYCLONEDX, IMAGE_SIGNATURE, image_subject
from attestations.storage.legacy import (
    attestation_tag,
    legacy_manifest,
    signature_tag,
    simple_signing_payload,
)
from attestations.verify import verify_image

from .conftest import IDENTITY, ISSUER, LocalSigstore, PushedImage
from .peers import LOCAL, node_env, run_cosign, sigstore_js_verify

pytestmark = [pytest.mark.registry, pytest.mark.slow]
BOM = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": []}


def _attach_all(image: PushedImage, signer: KeySigner | KeylessSigner, client: RegistryClient) -> None:
    sign_image(image.ref, signer, client)
    subject = image_subject(f"{image.registry}/{image.repository}", image.digest)
    attach_attestations(image.ref, [cyclonedx_statement(subject, BOM)], signer, client)


@pytest.fixture
def key_files(tmp_path: Path) -> tuple[ec.EllipticCurvePrivateKey, Path]:
    key = generate_key()
    pub = tmp_path / "k.pub"
    pub.write_bytes(public_key_pem(key.public_key()))
    return key, pub


def _ok(proc: object) -> None:
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"  # type: ignore[attr-defined]


def test_cosign_verifies_key_signed_bundles_and_legacy(
    staging_client: RegistryClient,
    staging_image: PushedImage,
    key_files: tuple[ec.EllipticCurvePrivateKey, Path],
    local_sigstore: LocalSigstore,
) -> None:
    key, pub = key_files
    _attach_all(staging_image, KeySigner(key), staging_client)
    root = str(local_sigstore.trusted_root_json)
    common = ["--key", str(pub), "--insecure-ignore-tlog=true", "--trusted-root", root]
    _ok(run_cosign("verify", *common, staging_image.ref))
    _ok(run_cosign("verify-attestation", *common, "--type", "cyclonedx", staging_image.ref))
    _ok(run_cosign("verify", "--new-bundle-format=false", *common, staging_image.ref))
    _ok(
        run_cosign(
            "verify-attestation",
            "--new-bundle-format=false",
            *common,
            "--type",
            "cyclonedx",
            staging_image.ref,
        )
    )
    other = pub.with_name("other.pub")
    other.write_bytes(public_key_pem(generate_key().public_key()))
    bad = ["--key", str(other), "--insecure-ignore-tlog=true", "--trusted-root", root]
    assert run_cosign("verify", *bad, staging_image.ref).returncode != 0
    assert run_cosign("verify", "--new-bundle-format=false", *bad, staging_image.ref).returncode != 0
    # a type that was never attested is not found
    assert run_cosign("verify-attestation", *common, "--type", "vuln", staging_image.ref).returncode != 0


def test_cosign_verifies_keyless_bundles_and_legacy(
    staging_client: RegistryClient,
    staging_image: PushedImage,
    keyless_signer: KeylessSigner,
    local_sigstore: LocalSigstore,
) -> None:
    _attach_all(staging_image, keyless_signer, staging_client)
    identity = ["--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER]
    common = [*identity, "--trusted-root", str(local_sigstore.trusted_root_json)]
    _ok(run_cosign("verify", *common, staging_image.ref))
    _ok(run_cosign("verify-attestation", *common, "--type", "cyclonedx", staging_image.ref))
    _ok(run_cosign("verify", "--new-bundle-format=false", *common, staging_image.ref))
    _ok(
        run_cosign(
            "verify-attestation",
            "--new-bundle-format=false",
            *common,
            "--type",
            "cyclonedx",
            staging_image.ref,
        )
    )
    wrong = ["--certificate-identity", "https://evil.example", "--certificate-oidc-issuer", ISSUER]
    proc = run_cosign(
        "verify", *wrong, "--trusted-root", str(local_sigstore.trusted_root_json), staging_image.ref
    )
    assert proc.returncode != 0 and "https://evil.example" in proc.stderr


def test_cosign_legacy_signature_is_byte_identical_and_verifies_here(
    staging_client: RegistryClient, staging_image: PushedImage, tmp_path: Path
) -> None:
    password = {"COSIGN_PASSWORD": "test-only-password"}
    prefix = str(tmp_path / "cosign")
    _ok(run_cosign("generate-key-pair", "--output-key-prefix", prefix, cwd=tmp_path, extra_env=password))
    sign = ["sign", "--yes", "--key", f"{prefix}.key", "--tlog-upload=false", "--new-bundle-format=false"]
    _ok(run_cosign(*sign, "--use-signing-config=false", staging_image.ref, extra_env=password))
    theirs = staging_client.get_manifest(staging_image.repository, signature_tag(staging_image.digest))
    layer = theirs.json()["layers"][0]
    payload = simple_signing_payload(
        f"{staging_image.registry}/{staging_image.repository}", staging_image.digest
    )
    assert layer["digest"] == digest_of(payload)
    ours, config = legacy_manifest(
        [
            {
                "mediaType": SIMPLESIGNING,
                "size": len(payload),
                "digest": digest_of(payload),
                "annotations": {ANN_SIGNATURE: layer["annotations"][ANN_SIGNATURE]},
            }
        ]
    )
    assert ours == theirs.raw
    assert staging_client.get_blob(staging_image.repository, digest_of(config)) == config
    # the .att image cosign writes for an attestation rebuilds byte-for-byte with dockgate's writer
    predicate = tmp_path / "bom.json"
    predicate.write_text(json.dumps(BOM))
    attest = ["attest", "--yes", "--key", f"{prefix}.key", "--tlog-upload=false", "--new-bundle-format=false"]
    attest += ["--use-signing-config=false", "--type", "cyclonedx", "--predicate", str(predicate)]
    _ok(run_cosign(*attest, staging_image.ref, extra_env=password))
    att = staging_client.get_manifest(staging_image.repository, attestation_tag(staging_image.digest))
    att_layers = att.json()["layers"]
    assert att_layers[0]["mediaType"] == DSSE_LAYER
    assert att_layers[0]["annotations"] == {ANN_SIGNATURE: "", "predicateType": "https://cyclonedx.org/bom"}
    assert legacy_manifest(att_layers)[0] == att.raw
    cosign_pub = load_public_key(tmp_path / "cosign.pub")
    policy = VerificationPolicy(
        public_keys=(cosign_pub,), required_predicate_types=(IMAGE_SIGNATURE, CYCLONEDX)
    )
    report = verify_image(staging_image.ref, policy, staging_client)
    assert report.ok, report.to_dict()


def test_sigstore_js_verifies_key_and_keyless_bundles(
    staging_image: PushedImage,
    keyless_signer: KeylessSigner,
    local_sigstore: LocalSigstore,
    key_files: tuple[ec.EllipticCurvePrivateKey, Path],
    tmp_path: Path,
) -> None:
    key, pub = key_files
    subject = image_subject(f"{staging_image.registry}/{staging_image.repository}", staging_image.digest)
    statement = cyclonedx_statement(subject, BOM)
    keyless = tmp_path / "keyless.sigstore.json"
    # sigstore-js parses a GeneralizedTime only with exactly three fraction digits, but DER drops
    # trailing zeros (X.690 11.7.3): a TSA time at .120 s is encoded `.12Z` and rejected as "invalid
    # time" (a 1-in-10 flake). Sign until the timestamp has three digits; our verifier takes both.
    for _ in range(20):
        bundle = keyless_signer.sign_dsse(statement).bundle_json
        if _three_digit_tsa_times(bundle):
            break
    keyless.write_bytes(bundle)
    trust = local_sigstore.trust_config
    proc = sigstore_js_verify(trust, keyless, "--san", IDENTITY, "--issuer", ISSUER, "--ts", "2")
    assert proc.returncode == 0 and "VERIFIED" in proc.stdout, proc.stdout + proc.stderr
    proc = sigstore_js_verify(trust, keyless, "--san", "https://evil.example", "--issuer", ISSUER)
    assert proc.returncode != 0 and "REJECTED" in proc.stdout
    keyed = tmp_path / "key.sigstore.json"
    keyed.write_bytes(KeySigner(key).sign_dsse(statement).bundle_json)
    hint = key_hint(key.public_key())
    thresholds = ["--tlog", "0", "--ctlog", "0", "--ts", "0"]
    proc = sigstore_js_verify(trust, keyed, "--key", str(pub), "--hint", hint, *thresholds)
    assert proc.returncode == 0 and "VERIFIED" in proc.stdout, proc.stdout + proc.stderr
    doc = json.loads(keyed.read_bytes())
    doc["dsseEnvelope"]["payload"] = doc["dsseEnvelope"]["payload"][:-8] + "AAAAAAA="
    keyed.write_text(json.dumps(doc))
    proc = sigstore_js_verify(trust, keyed, "--key", str(pub), "--hint", hint, *thresholds)
    assert proc.returncode != 0 and "REJECTED" in proc.stdout


def _three_digit_tsa_times(bundle_json: bytes) -> bool:
    import base64
    import re

    stamps = json.loads(bundle_json)["verificationMaterial"].get("timestampVerificationData", {})
    for stamp in stamps.get("rfc3161Timestamps", []):
        der = base64.b64decode(stamp["signedTimestamp"])
        for match in re.finditer(rb"\x18[\x0f-\x13](\d{14}(?:\.(\d+))?Z)", der):
            if match.group(2) is not None and len(match.group(2)) != 3:
                return False
    return True


def test_bundle_attached_by_sigstore_oci_verifies_here(
    staging_client: RegistryClient,
    staging_image: PushedImage,
    keyless_signer: KeylessSigner,
    local_sigstore: LocalSigstore,
    tmp_path: Path,
) -> None:
    subject = image_subject(f"{staging_image.registry}/{staging_image.repository}", staging_image.digest)
    bundle = tmp_path / "bom.sigstore.json"
    bundle.write_bytes(keyless_signer.sign_dsse(cyclonedx_statement(subject, BOM)).bundle_json)
    name = f"{staging_image.registry}/{staging_image.repository}"
    proc = subprocess.run(
        ["node", str(LOCAL / "attach.js"), name, staging_image.digest, str(bundle), CYCLONEDX],
        capture_output=True,
        text=True,
        timeout=60,
        env=node_env(),
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    root = ClientTrustConfig.from_json(local_sigstore.trust_config.read_text()).trusted_root
    policy = VerificationPolicy(
        identity=IDENTITY, issuer=ISSUER, trusted_root=root, required_predicate_types=(CYCLONEDX,)
    )
    report = verify_image(staging_image.ref, policy, staging_client)
    assert report.ok, report.to_dict()
    assert report.missing == () and len(report.results) == 1
