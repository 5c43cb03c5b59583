"""Failure drills: a registry answering 500s never yields a half-promoted or falsely passing image."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path
from typing import Any

import pytest

from attestations.errors import DockgateError, TransientError
from attestations.oci import NotFound, RegistryClient, RegistryUnavailable, load_credentials
from attestations.policy import VerificationPolicy
from attestations.signing.key_signer import KeySigner
from attestations.signing.keys import generate_key
from tests.integration.pipeline.conftest import EXAMPLES
from tests.integration.pipeline.faulty_registry import fail_all, fail_tag_put, faulty_registry
from workers.pipeline import PipelineConfig, Source, run_image
from workers.promote import promote
from workers.repoconfig import PolicyConfig, PromotionConfig, load_repo_config
from workers.scan import open_db

pytestmark = [pytest.mark.docker, pytest.mark.registry, pytest.mark.slow]
SIGNER = KeySigner(generate_key())
ROOT = EXAMPLES / "python-service"


def _config(docker_client: Any, registry: str, vulndb: Path, creds: dict[str, Any]) -> PipelineConfig:
    return PipelineConfig(
        engine=docker_client,
        builder_id="https://dockgate.test/builder",
        registry=registry,
        namespace=f"drill-{uuid.uuid4().hex[:8]}",
        credentials=creds,
        signer=SIGNER,
        vulndb=open_db(vulndb),
    )


def test_registry_answering_500_fails_the_push_with_a_clear_error(
    docker_client: Any, staging_registry: str, vulndb: Path, base_images: Any
) -> None:
    repo_config = load_repo_config(ROOT)
    with faulty_registry(staging_registry, fail_all) as (proxy, failed):
        cfg = _config(docker_client, proxy, vulndb, {})
        with pytest.raises(DockgateError) as info:
            run_image(repo_config.images[0], ROOT, repo_config, cfg, Source("acme/api", trusted=True))
    assert failed, "the proxy saw no request"
    assert isinstance(info.value, TransientError | DockgateError)
    assert "push" in info.value.diagnostics() or "registry" in info.value.diagnostics().lower()


def test_promotion_whose_final_tag_fails_leaves_production_without_it(
    docker_client: Any,
    staging_registry: str,
    prod_registry: str,
    prod_credentials_path: Path,
    vulndb: Path,
    base_images: Any,
) -> None:
    repo_config = load_repo_config(ROOT)
    creds = load_credentials(prod_credentials_path)
    commit = "89abcdef0123456789abcdef0123456789abcdef"
    run = run_image(
        repo_config.images[0],
        ROOT,
        repo_config,
        _config(docker_client, staging_registry, vulndb, creds),
        Source("acme/api", commit, "refs/heads/main", trusted=True),
    )
    assert run.verdict.passed and run.reference
    dest = f"drill-{uuid.uuid4().hex[:8]}/api"
    with faulty_registry(prod_registry, fail_tag_put) as (proxy, failed):
        production = RegistryClient(proxy, credentials=creds[prod_registry])
        with pytest.raises(RegistryUnavailable):
            promote(
                run.reference,
                destination_repository=dest,
                tag="v1",
                staging=RegistryClient(staging_registry),
                production=production,
                verification=VerificationPolicy(public_keys=(SIGNER.public_key,)),
                policy=PolicyConfig(),
                promotion=PromotionConfig(),
                default_branch="main",
            )
    assert any(f.endswith("/manifests/v1") for f in failed), failed  # evidence went in; the tag did not
    real_prod = RegistryClient(prod_registry, credentials=creds[prod_registry])
    with pytest.raises(NotFound):
        real_prod.get_manifest(dest, "v1")  # no tag: nothing a deployment could pull by name


def test_a_failed_build_keeps_its_log_in_the_report_check_run_and_out_folder(
    docker_client: Any, staging_registry: str, vulndb: Path, tmp_path: Path, base_images: Any
) -> None:
    from workers.repoconfig import ImageSpec, RepoConfig
    from workers.runreport import summary

    marker = uuid.uuid4().hex
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "Dockerfile").write_text(
        f"FROM dockgate-base/busybox:1.35\nRUN echo building-{marker}\nRUN echo failing-{marker} && exit 3\n"
    )
    cfg = dataclasses.replace(_config(docker_client, staging_registry, vulndb, {}), out_dir=tmp_path / "out")
    run = run_image(ImageSpec(name="broken"), tmp_path / "repo", RepoConfig(), cfg, Source("acme/broken"))
    assert run.conclusion == "failure" and run.build_error
    assert f"building-{marker}" in run.build_log and f"failing-{marker}" in run.build_log
    assert run.to_json()["build_log"] == run.build_log
    text = summary(run)
    assert "Build log (last" in text and f"failing-{marker}" in text
    assert f"failing-{marker}" in (tmp_path / "out" / "broken" / "build.log").read_text()


def test_the_cosign_legacy_layout_can_be_turned_off(
    docker_client: Any, staging_registry: str, vulndb: Path, tmp_path: Path, base_images: Any
) -> None:
    from attestations.storage.legacy import signature_tag
    from workers.repoconfig import ImageSpec, RepoConfig
    from workers.settings import Settings

    assert Settings.from_env({"DOCKGATE_COSIGN_LEGACY": "false"}).cosign_legacy is False
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "Dockerfile").write_text(
        f"FROM dockgate-base/busybox:1.35\nRUN echo {uuid.uuid4().hex} > /id\nUSER 1000\n"
        'HEALTHCHECK CMD ["true"]\n'
    )
    cfg = dataclasses.replace(_config(docker_client, staging_registry, vulndb, {}), cosign_legacy=False)
    run = run_image(ImageSpec(name="modern"), tmp_path / "repo", RepoConfig(), cfg, Source("acme/modern"))
    assert run.reference and run.digest and run.signature, run.verdict.reasons
    ref = run.reference.split("@", 1)[0]
    repository = ref.split("/", 1)[1]
    with RegistryClient(staging_registry) as client:
        assert not client.manifest_exists(repository, signature_tag(run.digest))
        policy = VerificationPolicy(public_keys=(SIGNER.public_key,))
        from attestations.verify import verify_image

        report = verify_image(run.reference, policy, client)
        assert report.ok and all(not r.source.startswith("legacy") for r in report.results)


def test_sites_that_prefer_syft_get_syfts_catalog_in_the_pipeline(
    docker_client: Any, staging_registry: str, vulndb: Path, tmp_path: Path, base_images: Any
) -> None:
    """DOCKGATE_SBOM_BACKEND=syft: the pushed image is cataloged by syft, then validated and signed."""
    from workers.repoconfig import ImageSpec, RepoConfig
    from workers.settings import Settings

    assert Settings.from_env({"DOCKGATE_SBOM_BACKEND": "syft"}).sbom_backend == "syft"
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "Dockerfile").write_text(
        f"FROM dockgate-base/busybox:1.35\nRUN echo {uuid.uuid4().hex} > /id\nUSER 1000\n"
        'HEALTHCHECK CMD ["true"]\n'
    )
    cfg = dataclasses.replace(
        _config(docker_client, staging_registry, vulndb, {}), sbom_backend="syft", out_dir=tmp_path / "out"
    )
    run = run_image(ImageSpec(name="bysyft"), tmp_path / "repo", RepoConfig(), cfg, Source("acme/bysyft"))
    assert run.reference and run.signature, run.verdict.reasons
    import json as _json

    bom = _json.loads((tmp_path / "out" / "bysyft" / "sbom.cdx.json").read_text())
    tools = _json.dumps(bom["metadata"].get("tools", {}))
    assert "syft" in tools, tools
    assert any(c.get("name") == "busybox" for c in bom.get("components", [])), bom.get("components")
