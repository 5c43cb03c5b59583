"""The webhook endpoint's answers that need no Redis: 401, 413, 400, ping, ignored; 503 without Redis."""

import json
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app.factory import create_app
from app.webhooks.signature import sign
from workers.settings import Settings

SECRET = "unit-test secret"
WEBHOOKS = Path(__file__).resolve().parents[4] / "shared" / "github" / "webhooks"


@pytest.fixture
def client() -> FlaskClient:
    # nothing listens on port 1: any Redis call fails fast
    return create_app(Settings(github_webhook_secret=SECRET, redis_url="redis://127.0.0.1:1/0")).test_client()


def post(
    client: FlaskClient, event: str, body: bytes, *, signature: str | None = None, delivery: str | None = None
):
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": signature if signature is not None else sign(SECRET.encode(), body),
        "Content-Type": "application/json",
    }
    return client.post("/webhooks/github", data=body, headers=headers)


def test_missing_or_wrong_signature_is_401_json(client: FlaskClient) -> None:
    body = (WEBHOOKS / "push/with-new-branch.json").read_bytes()
    wrong = post(client, "push", body, signature=sign(b"another secret", body))
    assert wrong.status_code == 401 and "GITHUB_WEBHOOK_SECRET" in wrong.json["error"]
    missing = client.post("/webhooks/github", data=body, headers={"X-GitHub-Event": "push"})
    assert missing.status_code == 401 and missing.is_json


def test_signature_is_checked_before_parsing(client: FlaskClient) -> None:
    assert post(client, "push", b"{not json", signature="sha256=" + "0" * 64).status_code == 401
    assert post(client, "push", b"{not json").status_code == 400
    assert post(client, "push", b"[1, 2]").status_code == 400


def test_oversized_body_is_413(client: FlaskClient) -> None:
    body = b"{" + b" " * (25 * 1024 * 1024) + b"}"
    response = post(client, "push", body)
    assert response.status_code == 413 and "25 MB" in response.json["error"]


def test_ping_is_200(client: FlaskClient) -> None:
    body = (WEBHOOKS / "ping/with-app_id.json").read_bytes()
    response = post(client, "ping", body)
    assert response.status_code == 200 and response.json["zen"] == json.loads(body)["zen"]


@pytest.mark.parametrize(
    ("event", "name", "ignored"),
    [
        ("pull_request", "closed.json", "pull_request.closed"),
        ("check_suite", "completed.json", "check_suite.completed"),
        ("push", "branch-deleted.derived.json", "push"),
        ("issues", None, "issues"),
    ],
)
def test_uninteresting_deliveries_are_202_ignored(
    client: FlaskClient, event: str, name: str | None, ignored: str
) -> None:
    body = (WEBHOOKS / event / name).read_bytes() if name else b'{"action": null}'
    response = post(client, event, body)
    assert response.status_code == 202 and response.json["ignored"] == ignored


def test_routed_delivery_without_redis_is_503(client: FlaskClient) -> None:
    response = post(client, "pull_request", (WEBHOOKS / "pull_request/opened.json").read_bytes())
    assert response.status_code == 503 and "redeliver" in response.json["error"]
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200


def test_metrics_count_outcomes(client: FlaskClient) -> None:
    post(client, "push", b"{}", signature="sha256=00")
    post(client, "ping", (WEBHOOKS / "ping/with-app_id.json").read_bytes())
    text = client.get("/metrics").get_data(as_text=True)
    assert 'dockgate_webhook_deliveries_total{event="-",outcome="bad_signature"} 1.0' in text
    assert 'dockgate_webhook_deliveries_total{event="ping",outcome="ping"} 1.0' in text


def test_unsigned_requests_cannot_grow_the_metric_labels(client: FlaskClient) -> None:
    """The event header of an unverified request is anyone's text: never a label value."""
    for i in range(50):
        post(client, f"made-up-{i}", b"{}", signature="sha256=00")
    text = client.get("/metrics").get_data(as_text=True)
    assert "made-up" not in text
    assert 'dockgate_webhook_deliveries_total{event="-",outcome="bad_signature"} 50.0' in text


def test_other_methods_are_405_json(client: FlaskClient) -> None:
    response = client.get("/webhooks/github")
    assert (
        response.status_code == 405
        and response.headers["Allow"] == "POST"
        and "POST" in response.json["error"]
    )


def test_body_shorter_than_its_length_is_400(client: FlaskClient) -> None:
    body = (WEBHOOKS / "ping/with-app_id.json").read_bytes()
    environ = {"CONTENT_LENGTH": str(len(body) + 10), "CONTENT_TYPE": "application/json"}
    response = client.post(
        "/webhooks/github",
        data=body,
        environ_overrides=environ,
        headers={"X-GitHub-Event": "ping", "X-Hub-Signature-256": sign(SECRET.encode(), body)},
    )
    assert response.status_code == 400 and "Content-Length" in response.json["error"]


def test_an_unexpected_error_is_a_500_json_and_logged(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from app.webhooks import views

    def broken(event: str, payload: object) -> None:
        raise RuntimeError("router bug")

    monkeypatch.setattr(views.router, "dispatch", broken)
    response = post(client, "push", (WEBHOOKS / "push/with-new-branch.json").read_bytes())
    assert response.status_code == 500 and response.is_json and "router bug" not in response.json["error"]
    assert "router bug" in caplog.text


def test_create_app_requires_the_webhook_secret() -> None:
    from attestations.errors import ConfigError

    with pytest.raises(ConfigError, match="GITHUB_WEBHOOK_SECRET"):
        create_app(Settings())


@pytest.mark.parametrize(
    "body", [b"", b'{"a": 1,}', b'{"a": "\xff"}', b'{"a": "\\ud800"}', b'{"a": 1} trailing', b"nul"]
)
def test_anything_but_valid_json_is_400(client: FlaskClient, body: bytes) -> None:
    response = post(client, "push", body)
    assert response.status_code == 400 and response.json["error"] == "body is not valid JSON"


def test_the_lazy_parser_is_replaced_when_an_old_document_is_still_held() -> None:
    from app.webhooks.views import parse

    kept = parse(b'{"action": "opened", "n": {"x": 1}}')["n"]  # e.g. held by a logged traceback
    again = parse(b'{"action": "closed"}')
    assert again["action"] == "closed" and kept["x"] == 1
