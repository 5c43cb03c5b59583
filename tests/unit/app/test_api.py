"""The audit API over a real SQLite index (no services)."""

from __future__ import annotations

import json
from pathlib import Path

from app.factory import create_app
from attestations.index import AttestationRecord, ComponentRecord, ImageRecord, SqlAttestationStore
from workers.settings import Settings

DIGEST = "sha256:" + "ab" * 32
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _client(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'index.db'}"
    store = SqlAttestationStore(url)
    store.record_image(
        ImageRecord("127.0.0.1:5001/acme/api", DIGEST, "api", "acme/api", COMMIT, "refs/heads/main", "pass"),
        [AttestationRecord("https://cyclonedx.org/bom", "sha256:" + "cd" * 32, "127.0.0.1:5001/acme/api")],
        [ComponentRecord("pkg:deb/debian/openssl@3.0.7?distro=debian-12", "openssl", "3.0.7")],
    )
    store.record_report("acme/api", COMMIT, "api", json.dumps({"name": "api", "conclusion": "success"}))
    settings = Settings(github_webhook_secret="s", database_url=url, redis_url="redis://127.0.0.1:1/0")
    return create_app(settings).test_client(), store


def test_report_is_served_as_stored(tmp_path: Path) -> None:
    client, _ = _client(tmp_path)
    response = client.get(f"/api/v1/reports/acme/api/{COMMIT}/api")
    assert response.status_code == 200 and response.json == {"name": "api", "conclusion": "success"}
    missing = client.get(f"/api/v1/reports/acme/api/{COMMIT}/other")
    assert missing.status_code == 404 and "no report" in missing.json["error"]
    assert client.get("/api/v1/reports/acme/api/not-a-sha/api").status_code == 400


def test_which_images_contain_a_component(tmp_path: Path) -> None:
    client, store = _client(tmp_path)
    found = client.get("/api/v1/images?component=openssl&version=3.0.7").json["images"]
    assert [i["digest"] for i in found] == [DIGEST]
    assert client.get("/api/v1/images?component=openssl&promoted=true").json["images"] == []
    store.mark_promoted("127.0.0.1:5001/acme/api", DIGEST, "127.0.0.1:5002/acme/api")
    promoted = client.get("/api/v1/images?component=openssl&promoted=true").json["images"]
    assert [i["promoted_to"] for i in promoted] == ["127.0.0.1:5002/acme/api"]
    assert client.get("/api/v1/images").status_code == 400


def test_attestations_of_a_digest(tmp_path: Path) -> None:
    client, _ = _client(tmp_path)
    body = client.get(f"/api/v1/images/{DIGEST}/attestations").json
    assert [a["predicate_type"] for a in body["attestations"]] == ["https://cyclonedx.org/bom"]
    assert client.get("/api/v1/images/sha256:nothex/attestations").status_code == 400


def test_api_tokens_guard_every_endpoint(tmp_path: Path) -> None:
    _client(tmp_path)  # fills the index
    url = f"sqlite:///{tmp_path / 'index.db'}"
    env = {
        "DOCKGATE_DATABASE_URL": url,
        "DOCKGATE_API_TOKENS": "tok-one, tok-two",
        "GITHUB_WEBHOOK_SECRET": "s",
    }
    settings = Settings.from_env(env)
    assert settings.api_tokens == ("tok-one", "tok-two") and "tok-one" not in repr(settings)
    client = create_app(settings).test_client()
    path = f"/api/v1/reports/acme/api/{COMMIT}/api"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic tok-one"}):
        denied = client.get(path, headers=headers)
        assert denied.status_code == 401 and "Bearer" in denied.json["error"]
        assert denied.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get(path, headers={"Authorization": "Bearer tok-two"}).status_code == 200
    listed = client.get("/api/v1/images?component=openssl", headers={"Authorization": "Bearer tok-one"})
    assert listed.status_code == 200 and listed.json["images"]
    assert client.get("/healthz").status_code == 200  # only the audit API is guarded
