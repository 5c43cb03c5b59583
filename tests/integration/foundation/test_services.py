"""One real test per service that scripts/services provides (issue 2's acceptance)."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from attestations.index import ComponentRecord, ImageRecord, SqlAttestationStore

ROOT = Path(__file__).resolve().parents[3]
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
    ]
)


def _manifest_digest(registry: str, repo: str, tag: str, auth: tuple[str, str] | None = None) -> str:
    response = requests.head(
        f"http://{registry}/v2/{repo}/manifests/{tag}",
        headers={"Accept": MANIFEST_TYPES},
        auth=auth,
        timeout=10,
    )
    response.raise_for_status()
    return response.headers["Docker-Content-Digest"]


@pytest.fixture(scope="module")
def example_image(docker_client: Any, base_images: dict[str, str]) -> Any:
    image, _ = docker_client.images.build(
        path=str(ROOT / "examples" / "python-service"),
        tag="dockgate-test/python-service:foundation",
        network_mode="none",
        rm=True,
        forcerm=True,
    )
    return image


@pytest.mark.docker
def test_example_builds_offline_and_runs_as_non_root(example_image: Any) -> None:
    config = example_image.attrs["Config"]
    assert config["User"] == "app:app"
    assert config["Healthcheck"]["Test"][0] == "CMD"
    assert config["Entrypoint"] == ["hello-service"]


@pytest.mark.docker
def test_bad_example_builds_offline(docker_client: Any, base_images: dict[str, str]) -> None:
    image, _ = docker_client.images.build(
        path=str(ROOT / "examples" / "bad-service"),
        tag="dockgate-test/bad-service:foundation",
        network_mode="none",
    )
    assert image.attrs["Config"]["User"] == ""
    assert any(e.startswith("AWS_SECRET_ACCESS_KEY=") for e in image.attrs["Config"]["Env"])


@pytest.mark.docker
@pytest.mark.registry
def test_push_to_staging_and_authenticated_prod(
    docker_client: Any,
    example_image: Any,
    staging_registry: str,
    prod_registry: str,
    prod_credentials: dict[str, str],
) -> None:
    tag = uuid.uuid4().hex[:12]
    auth = (prod_credentials["username"], prod_credentials["password"])
    digests = {}
    for registry, creds in ((staging_registry, None), (prod_registry, prod_credentials)):
        repo = f"{registry}/dockgate-test/python-service"
        example_image.tag(repo, tag)
        result = docker_client.images.push(repo, tag, stream=True, decode=True, auth_config=creds)
        errors = [line["error"] for line in result if "error" in line]
        assert errors == []
        digests[registry] = _manifest_digest(
            registry, "dockgate-test/python-service", tag, auth if creds else None
        )
    # Same image, same manifest: the digest is identical in both registries.
    assert digests[staging_registry] == digests[prod_registry]
    # The prod registry really requires credentials.
    anonymous = requests.get(f"http://{prod_registry}/v2/", timeout=5)
    assert anonymous.status_code == 401


@pytest.mark.redis
def test_rq_job_runs_on_real_redis(redis_url: str) -> None:
    from redis import Redis
    from rq import Queue, SimpleWorker
    from rq.serializers import JSONSerializer

    connection = Redis.from_url(redis_url)
    queue = Queue(f"dockgate-test-{uuid.uuid4().hex[:8]}", connection=connection, serializer=JSONSerializer)
    job = queue.enqueue("operator.add", 20, 22, job_timeout=30)
    SimpleWorker([queue], connection=connection, serializer=JSONSerializer).work(burst=True)
    job.refresh()
    assert job.get_status() == "finished"
    assert job.return_value() == 42
    queue.delete(delete_jobs=True)


@pytest.mark.postgres
def test_attestation_index_round_trip_on_postgres(postgres_url: str) -> None:
    store = SqlAttestationStore(postgres_url)
    repository = f"127.0.0.1:5001/test-{uuid.uuid4().hex[:8]}/api"
    image = ImageRecord(repository=repository, digest="sha256:" + "c" * 64, name="api", verdict="pass")
    store.record_image(image, components=[ComponentRecord("pkg:pypi/flask@3.0.0", "flask", "3.0.0")])
    store.mark_promoted(repository, image.digest, "127.0.0.1:5002/api")
    found = [
        i
        for i in store.images_with_component("flask", "3.0.0", promoted_only=True)
        if i.repository == repository
    ]
    assert [i.promoted_to for i in found] == ["127.0.0.1:5002/api"]
    assert store.engine.dialect.name == "postgresql"


@pytest.mark.docker
@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.registry
def test_services_up_twice_starts_nothing_new(base_images: dict[str, str], redis_url: str) -> None:
    result = subprocess.run(
        [str(ROOT / "scripts" / "services"), "up"], capture_output=True, text=True, timeout=120, check=True
    )
    assert "starting" not in result.stderr
    assert "pushed" not in result.stderr
    assert result.stderr.count("reusing") == 5
