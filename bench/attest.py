"""Benchmark: what the pipeline does per image — sign it and attach its four attestations — then verify.

For each signer (ECDSA key; keyless against the local Sigstore instance of tests/sigstore_local, with
Fulcio, Rekor and a TSA), per image: `sign_image` + `attach_attestations` of the four statements the
pipeline makes (CycloneDX SBOM, vulnerability report, SARIF lint, SLSA provenance), then
`verify_image` requiring all five predicate types, cold (new registry client, policy and trusted root)
and warm (the same client again). Peer in the same run: cosign v3.1.3 with the same key doing
`sign` + four `attest` + `verify-attestation` (key mode; cosign cannot use the mock OIDC issuer).

Usage: .venv/bin/python bench/attest.py [--images 5] [--registry 127.0.0.1:5001]
Needs scripts/services up and scripts/install-peers (cosign, node packages).

This is the benchmark issue 7 calls `bench/sign.py` (sign + four attestations, key and keyless,
verify cold and warm); `bench/sign.py` is the per-command dockgate-vs-cosign comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from attestations.attach import attach_attestations, sign_image  # noqa: E402
from attestations.oci import RegistryClient  # noqa: E402
from attestations.policy import VerificationPolicy  # noqa: E402
from attestations.predicates import cyclonedx_statement, lint_statement, slsa_provenance_statement  # noqa: E402
from attestations.signing.key_signer import KeySigner  # noqa: E402
from attestations.signing.keys import load_private_key, write_keypair  # noqa: E402
from attestations.statements import (  # noqa: E402
    CYCLONEDX,
    IMAGE_SIGNATURE,
    LINT,
    SLSA_PROVENANCE_V1,
    VULNERABILITY,
    Statement,
    image_subject,
)
from attestations.verify import verify_image  # noqa: E402
from bench.sign import COSIGN, SBOM, push_image  # noqa: E402

REQUIRED = (IMAGE_SIGNATURE, CYCLONEDX, VULNERABILITY, LINT, SLSA_PROVENANCE_V1)
PASSWORD = "bench-only-password"  # noqa: S105 - a throwaway key made for this run
VULN = {"scanner": {"uri": "https://dockgate.dev", "version": "0.1.0", "db": {}, "result": {"findings": []}}}
SARIF = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "dockgate"}}, "results": []}]}


def statements(name: str, digest: str) -> list[Statement]:
    subject = image_subject(name, digest)
    provenance = slsa_provenance_statement(
        subject,
        build_type="https://dockgate.dev/buildtypes/docker-engine/v1",
        builder_id="https://bench.dockgate.test",
        external_parameters={"repository": "acme/api"},
    )
    return [
        cyclonedx_statement(subject, json.loads(SBOM.read_text())),
        Statement((subject,), VULNERABILITY, VULN),
        lint_statement(subject, SARIF),
        provenance,
    ]


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _attach_once(registry: str, signer: Any) -> tuple[str, float]:
    with RegistryClient(registry) as client:
        ref = push_image(client, "bench/attest")
        name, digest = ref.split("@")
        started = time.perf_counter()
        sign_image(ref, signer, client)
        attach_attestations(ref, statements(name, digest), signer, client)
        return ref, (time.perf_counter() - started) * 1000


def _verify_twice(registry: str, ref: str, policy: Callable[[], VerificationPolicy]) -> tuple[float, float]:
    with RegistryClient(registry) as fresh:
        started = time.perf_counter()
        _verified(verify_image(ref, policy(), fresh))  # cold: new client, policy and trusted root
        cold = (time.perf_counter() - started) * 1000
        warm_policy = policy()
        started = time.perf_counter()
        _verified(verify_image(ref, warm_policy, fresh))  # warm: the same client, policy built already
        return cold, (time.perf_counter() - started) * 1000


def ours(
    label: str, signer: Any, policy: Callable[[], VerificationPolicy], registry: str, n: int
) -> list[str]:
    rows: dict[str, list[float]] = {"sign + 4 attestations": [], "verify cold": [], "verify warm": []}
    for _ in range(n):
        ref, attach_ms = _attach_once(registry, signer)
        cold, warm = _verify_twice(registry, ref, policy)
        rows["sign + 4 attestations"].append(attach_ms)
        rows["verify cold"].append(cold)
        rows["verify warm"].append(warm)
    return [f"| {label}: {op} | {statistics.median(v):.0f} | {max(v):.0f} |" for op, v in rows.items()]


def _verified(report: Any) -> None:
    if not report.ok:
        raise SystemExit(f"verification failed: {report.to_dict()}")


def cosign(registry: str, n: int, tmp: Path) -> list[str]:
    """cosign with a key of its own format (it cannot read PKCS#8 keys), same curve (ECDSA P-256)."""
    env = {**os.environ, "COSIGN_PASSWORD": PASSWORD}
    subprocess.run(
        [str(COSIGN), "generate-key-pair", "--output-key-prefix", str(tmp / "cosign")],
        env=env,
        check=True,
        capture_output=True,
    )
    key, pub = tmp / "cosign.key", tmp / "cosign.pub"
    predicates = {"cyclonedx": SBOM}
    for kind, doc in (("vuln", VULN), ("custom", SARIF), ("slsaprovenance1", {"buildDefinition": {}})):
        path = tmp / f"{kind}.json"
        path.write_text(json.dumps(doc))
        predicates[kind] = path
    attach_ms, verify_ms = [], []
    for _ in range(n):
        with RegistryClient(registry) as client:
            ref = push_image(client, "bench/cosign")
        flags = ["--key", str(key), "--tlog-upload=false", "--use-signing-config=false", "--yes"]

        def attach(ref: str = ref, flags: list[str] = flags) -> None:
            subprocess.run([str(COSIGN), "sign", *flags, ref], env=env, check=True, capture_output=True)
            for kind, path in predicates.items():
                subprocess.run(
                    [str(COSIGN), "attest", *flags, "--type", kind, "--predicate", str(path), ref],
                    env=env,
                    check=True,
                    capture_output=True,
                )

        attach_ms.append(timed(attach))
        verify = [
            str(COSIGN),
            "verify-attestation",
            "--key",
            str(pub),
            "--insecure-ignore-tlog",
            "--type",
            "cyclonedx",
            ref,
        ]
        verify_ms.append(timed(lambda v=verify: subprocess.run(v, check=True, capture_output=True, env=env)))
    med = statistics.median
    return [
        f"| cosign CLI (key): sign + 4 attestations | {med(attach_ms):.0f} | {max(attach_ms):.0f} |",
        f"| cosign CLI (key): verify-attestation cyclonedx | {med(verify_ms):.0f} | {max(verify_ms):.0f} |",
    ]


def keyless(registry: str, n: int, tmp: Path) -> list[str]:
    from sigstore.oidc import IdentityToken

    from attestations.signing.keyless import KeylessSigner, load_trust_config, load_trusted_root
    from tests.integration.attestations.conftest import IDENTITY, ISSUER, identity_token
    from tests.integration.attestations.peers import LOCAL, node_env

    trust = tmp / "trust_config.json"
    proc = subprocess.Popen(
        ["node", str(LOCAL / "server.js"), "0", str(trust)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**node_env(), "MOCK_TSA": "1"},
    )
    try:
        assert proc.stdout is not None
        if not proc.stdout.readline().startswith("listening "):
            raise SystemExit("the local Sigstore instance did not start")
        root_json = tmp / "trusted_root.json"
        root_json.write_text(json.dumps(json.loads(trust.read_text())["trustedRoot"]))
        signer = KeylessSigner(load_trust_config(str(trust)), IdentityToken(identity_token()))

        def policy() -> VerificationPolicy:
            return VerificationPolicy(
                identity=IDENTITY,
                issuer=ISSUER,
                trusted_root=load_trusted_root(str(root_json)),
                required_predicate_types=REQUIRED,
            )

        return ours("dockgate API (keyless, local Sigstore)", signer, policy, registry, n)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=5)
    parser.add_argument("--registry", default="127.0.0.1:5001")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        key, _ = write_keypair(tmp / "bench", PASSWORD.encode())
        signer = KeySigner(load_private_key(key, PASSWORD.encode()))

        def key_policy() -> VerificationPolicy:
            return VerificationPolicy(public_keys=(signer.public_key,), required_predicate_types=REQUIRED)

        print(f"{args.images} images per row; median and max in ms")
        print("| operation | median ms | max ms |\n|---|---|---|")
        for line in ours("dockgate API (key)", signer, key_policy, args.registry, args.images):
            print(line, flush=True)
        for line in keyless(args.registry, args.images, tmp):
            print(line, flush=True)
        if COSIGN.exists():
            for line in cosign(args.registry, args.images, tmp):
                print(line, flush=True)
        else:
            print(f"| cosign not installed at {COSIGN}: run scripts/install-peers | | |")


if __name__ == "__main__":
    main()
