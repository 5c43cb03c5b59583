"""Benchmark: sign, attest (CycloneDX SBOM) and verify images in the staging registry, dockgate vs cosign.

Both sides use an ECDSA P-256 key, no transparency log (cosign: --tlog-upload=false,
--insecure-ignore-tlog) and the same registry (127.0.0.1:5001, distribution 2.8, so both write the
referrers tag-schema index). Each image gets a fresh tiny manifest. The SBOM is syft's real
CycloneDX for a Python application image (../shared/sbom-baseline, 363 kB).

Figures per image (median over N images, wall clock):
  dockgate API   in-process calls (what the pipeline does), bundle referrer + legacy .sig/.att
  dockgate CLI   `dockgate sign|attest|verify` subprocesses (includes Python start-up)
  cosign CLI     cosign v3.1.3 subprocesses (bundle format, its v3 default)

Usage: .venv/bin/python bench/sign.py [--images 10] [--registry 127.0.0.1:5001]
Needs scripts/services up and scripts/install-peers (cosign).

The benchmark issue 7 asks for as `bench/sign.py` (sign + four attestations, key and keyless, verify
cold and warm) is `bench/attest.py`; the names stay as bench/README.md refers to them.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from attestations.attach import attach_attestations, sign_image
from attestations.oci import RegistryClient, canonical_json, digest_of
from attestations.oci.mediatypes import OCI_CONFIG, OCI_MANIFEST
from attestations.policy import VerificationPolicy
from attestations.predicates import cyclonedx_statement
from attestations.signing.key_signer import KeySigner
from attestations.signing.keys import load_private_key, write_keypair
from attestations.statements import CYCLONEDX, IMAGE_SIGNATURE, image_subject
from attestations.verify import verify_image

ROOT = Path(__file__).resolve().parents[1]
SBOM = ROOT.parent / "shared" / "sbom-baseline" / "syft-1.18.1" / "pyapp.archive.cdx.json"
ROOT_JSON = ROOT / "tests" / "unit" / "attestations" / "data" / "trusted_root.production.json"
COSIGN = Path(os.environ.get("DOCKGATE_CACHE", Path.home() / ".cache" / "dockgate")) / "bin" / "cosign"
PASSWORD = "bench-only-password"  # noqa: S105 - a throwaway key made for this run


def push_image(client: RegistryClient, repository: str) -> str:
    content = uuid.uuid4().bytes
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("id")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    layer = gzip.compress(raw.getvalue(), mtime=0)
    config = canonical_json(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [digest_of(raw.getvalue())]},
        }
    )
    client.put_blob(repository, layer)
    client.put_blob(repository, config)
    manifest = canonical_json(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": digest_of(config), "size": len(config)},
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": digest_of(layer),
                    "size": len(layer),
                }
            ],
        }
    )
    digest = client.put_manifest(repository, digest_of(manifest), manifest, OCI_MANIFEST)
    return f"{client.registry}/{repository}@{digest}"


def run(cmd: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        sys.exit(f"benchmark command failed: {' '.join(cmd[:3])}...\n{proc.stderr[-800:]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=10)
    parser.add_argument("--registry", default=os.environ.get("DOCKGATE_STAGING_REGISTRY", "127.0.0.1:5001"))
    args = parser.parse_args()
    if not COSIGN.exists():
        sys.exit("cosign missing: run scripts/install-peers")
    tmp = Path(tempfile.mkdtemp(prefix="bench-sign-"))
    env = {**os.environ, "COSIGN_PASSWORD": PASSWORD, "DOCKGATE_SIGNING_KEY_PASSWORD": PASSWORD}
    run([str(COSIGN), "generate-key-pair", "--output-key-prefix", str(tmp / "cosign")], env)
    write_keypair(tmp / "dockgate", PASSWORD.encode())
    signer = KeySigner(load_private_key(tmp / "dockgate.key", PASSWORD.encode()))
    bom = json.loads(SBOM.read_text())
    (tmp / "bom.json").write_text(json.dumps(bom))
    policy = VerificationPolicy(
        public_keys=(signer.public_key,), required_predicate_types=(IMAGE_SIGNATURE, CYCLONEDX)
    )
    client = RegistryClient(args.registry)
    repo = f"bench/sign-{uuid.uuid4().hex[:8]}"
    times: dict[str, list[float]] = {}
    dockgate = [str(ROOT / ".venv" / "bin" / "dockgate")]
    cosign_key, cosign_pub = str(tmp / "cosign.key"), str(tmp / "cosign.pub")
    no_tlog = ["--tlog-upload=false", "--use-signing-config=false"]
    verify_opts = ["--insecure-ignore-tlog=true", "--trusted-root", str(ROOT_JSON)]

    def measure(label: str, fn: Callable[..., object], *fn_args: object) -> None:
        start = time.perf_counter()
        fn(*fn_args)
        times.setdefault(label, []).append(time.perf_counter() - start)

    def cosign_verify(ref: str) -> None:
        run([str(COSIGN), "verify", "--key", cosign_pub, *verify_opts, ref], env)
        run(
            [
                str(COSIGN),
                "verify-attestation",
                "--key",
                cosign_pub,
                *verify_opts,
                "--type",
                "cyclonedx",
                ref,
            ],
            env,
        )

    predicate = str(tmp / "bom.json")
    key = ["--key", str(tmp / "dockgate.key")]
    for _ in range(args.images):
        ref = push_image(client, repo)
        name, digest = ref.split("@")
        statement = cyclonedx_statement(image_subject(name, digest), bom)
        measure("sign   dockgate API", sign_image, ref, signer, client)
        measure("attest dockgate API", attach_attestations, ref, [statement], signer, client)
        measure("verify dockgate API", verify_image, ref, policy, client)
        ref = push_image(client, repo)
        measure("sign   dockgate CLI", run, [*dockgate, "sign", ref, *key], env)
        attest = [*dockgate, "attest", ref, *key, "--type", "cyclonedx", "--predicate", predicate]
        measure("attest dockgate CLI", run, attest, env)
        verify = [*dockgate, "verify", ref, "--key", str(tmp / "dockgate.pub"), "--type", "cyclonedx"]
        measure("verify dockgate CLI", run, verify, env)
        ref = push_image(client, repo)
        measure(
            "sign   cosign CLI", run, [str(COSIGN), "sign", "--yes", "--key", cosign_key, *no_tlog, ref], env
        )
        attest = [str(COSIGN), "attest", "--yes", "--key", cosign_key, *no_tlog, "--type", "cyclonedx"]
        measure("attest cosign CLI", run, [*attest, "--predicate", predicate, ref], env)
        measure("verify cosign CLI", cosign_verify, ref)
    client.close()
    size = SBOM.stat().st_size // 1024
    print(f"ECDSA P-256 key, no tlog, {args.images} images, SBOM {size} kB, registry {args.registry}")
    print(f"{'operation':<22}{'median ms':>10}{'p90 ms':>10}")
    for label, values in times.items():
        values.sort()
        p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
        print(f"{label:<22}{statistics.median(values) * 1000:>10.0f}{p90 * 1000:>10.0f}")


if __name__ == "__main__":
    main()
