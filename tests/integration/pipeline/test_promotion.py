"""The promotion gate on real registries: verify before copying, copy exactly the digest, or nothing."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from attestations.oci import NotFound, RegistryClient, load_credentials
from attestations.policy import VerificationPolicy
from attestations.signing.key_signer import KeySigner
from attestations.signing.keys import generate_key
from attestations.verify import verify_image
from tests.integration.pipeline.conftest import EXAMPLES
from workers.pipeline import PipelineConfig, Source, run_image
from workers.promote import REQUIRED, promote
from workers.repoconfig import PolicyConfig, PromotionConfig, load_repo_config
from workers.runreport import ImageRun
from workers.scan import open_db

pytestmark = [pytest.mark.docker, pytest.mark.registry, pytest.mark.slow]
SIGNER = KeySigner(generate_key())
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _run(
    docker_client: Any,
    staging: str,
    creds: Path,
    vulndb: Path,
    source: Source,
    namespace: str,
    reuse: VerificationPolicy | None = None,
) -> ImageRun:
    root = EXAMPLES / "python-service"
    repo_config = load_repo_config(root)
    cfg = PipelineConfig(
        engine=docker_client,
        builder_id="https://dockgate.test/builder",
        registry=staging,
        namespace=namespace,
        credentials=load_credentials(creds),
        signer=SIGNER,
        vulndb=open_db(vulndb),
        reuse=reuse,
    )
    return run_image(repo_config.images[0], root, repo_config, cfg, source)


@pytest.fixture(scope="module")
def namespace() -> str:
    return f"promo-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def main_run(
    docker_client: Any,
    staging_registry: str,
    prod_credentials_path: Path,
    vulndb: Path,
    base_images: Any,
    namespace: str,
) -> ImageRun:
    source = Source("acme/api", COMMIT, "refs/heads/main", trusted=True)
    run = _run(docker_client, staging_registry, prod_credentials_path, vulndb, source, namespace)
    assert run.verdict.passed, run.verdict.reasons
    return run


def _clients(staging: str, prod: str, creds: Path) -> tuple[RegistryClient, RegistryClient]:
    credentials = load_credentials(creds)
    return RegistryClient(staging), RegistryClient(prod, credentials=credentials[prod])


def _promote(
    run: ImageRun, staging: RegistryClient, prod: RegistryClient, dest: str, signer: KeySigner = SIGNER
) -> Any:
    assert run.reference is not None
    return promote(
        run.reference,
        destination_repository=dest,
        tag="v1",
        staging=staging,
        production=prod,
        verification=VerificationPolicy(public_keys=(signer.public_key,)),
        policy=PolicyConfig(),
        promotion=PromotionConfig(),
        default_branch="main",
    )


def test_verified_digest_is_copied_with_its_evidence(
    main_run: ImageRun, staging_registry: str, prod_registry: str, prod_credentials_path: Path, namespace: str
) -> None:
    staging, prod = _clients(staging_registry, prod_registry, prod_credentials_path)
    dest = f"{namespace}/api"
    result = _promote(main_run, staging, prod, dest)
    assert result.promoted, result.reasons
    assert prod.get_manifest(dest, "v1").digest == main_run.digest
    policy = VerificationPolicy(public_keys=(SIGNER.public_key,), required_predicate_types=REQUIRED)
    report = verify_image(f"{prod_registry}/{dest}:v1", policy, prod)
    assert report.ok, report.to_dict()


def test_signature_by_another_key_is_refused(
    main_run: ImageRun, staging_registry: str, prod_registry: str, prod_credentials_path: Path, namespace: str
) -> None:
    staging, prod = _clients(staging_registry, prod_registry, prod_credentials_path)
    dest = f"{namespace}/stranger"
    result = _promote(main_run, staging, prod, dest, signer=KeySigner(generate_key()))
    assert not result.promoted
    assert any("missing or does not verify" in r for r in result.reasons)
    with pytest.raises(NotFound):
        prod.get_manifest(dest, "v1")


def test_fork_build_is_never_promoted(
    docker_client: Any,
    staging_registry: str,
    prod_registry: str,
    prod_credentials_path: Path,
    vulndb: Path,
    namespace: str,
) -> None:
    source = Source("acme/api", COMMIT, "refs/pull/7/head", trusted=False)
    run = _run(
        docker_client, staging_registry, prod_credentials_path, vulndb, source, f"quarantine/{namespace}"
    )
    staging, prod = _clients(staging_registry, prod_registry, prod_credentials_path)
    dest = f"{namespace}/fork"
    result = _promote(run, staging, prod, dest)
    assert not result.promoted
    assert any("untrusted build" in r for r in result.reasons)
    assert any("refs/pull/7/head" in r for r in result.reasons)
    with pytest.raises(NotFound):
        prod.get_manifest(dest, "v1")


def test_a_retried_run_reuses_the_evidence_already_attached(
    main_run: ImageRun,
    docker_client: Any,
    staging_registry: str,
    prod_credentials_path: Path,
    vulndb: Path,
    namespace: str,
) -> None:
    source = Source("acme/api", COMMIT, "refs/heads/main", trusted=True)
    reuse = VerificationPolicy(public_keys=(SIGNER.public_key,))
    again = _run(docker_client, staging_registry, prod_credentials_path, vulndb, source, namespace, reuse)
    assert again.digest == main_run.digest  # same build, same digest
    assert again.signature == main_run.signature
    assert {e.bundle_digest for e in again.evidence} == {e.bundle_digest for e in main_run.evidence}
    assert again.verdict.passed


def test_new_only_baseline_is_the_verified_scan_of_the_last_promoted_image(
    main_run: ImageRun,
    staging_registry: str,
    prod_registry: str,
    prod_credentials_path: Path,
    namespace: str,
    tmp_path: Path,
) -> None:
    from attestations.index import ImageRecord, SqlAttestationStore
    from attestations.oci import parse_reference
    from workers.baseline import promoted_baseline

    store = SqlAttestationStore(f"sqlite:///{tmp_path / 'index.db'}")
    assert main_run.reference is not None and main_run.scan is not None
    ref = parse_reference(main_run.reference)
    store.record_image(ImageRecord(f"{ref.registry}/{ref.repository}", ref.digest or "", "api", "acme/api"))
    trust = VerificationPolicy(public_keys=(SIGNER.public_key,))
    credentials = load_credentials(prod_credentials_path)

    def client(host: str) -> RegistryClient:
        return RegistryClient(host, credentials=credentials.get(host))

    assert promoted_baseline(store, "acme/api", "api", trust, client) is None  # nothing promoted yet
    staging, prod = _clients(staging_registry, prod_registry, prod_credentials_path)
    result = promote(
        main_run.reference,
        destination_repository=f"{namespace}/baseline",
        tag="v1",
        staging=staging,
        production=prod,
        verification=trust,
        policy=PolicyConfig(),
        promotion=PromotionConfig(),
        default_branch="main",
        store=store,
    )
    assert result.promoted, result.reasons
    baseline = promoted_baseline(store, "acme/api", "api", trust, client)
    assert baseline is not None
    assert baseline["findings"] == main_run.scan.to_json()["findings"]
    stranger = VerificationPolicy(public_keys=(generate_key().public_key(),))
    assert promoted_baseline(store, "acme/api", "api", stranger, client) is None  # never unverified
