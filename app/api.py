"""`/api/v1`: what security teams and check-run links read from the attestation index (JSON only).

- `GET /api/v1/reports/<owner>/<repo>/<commit>/<image>`: the full pipeline report a check run links to.
- `GET /api/v1/images?component=NAME[&version=V][&promoted=true]`: which images contain a component.
- `GET /api/v1/images/<digest>/attestations`: the signed statements recorded for a digest.

The index only makes evidence searchable; verification re-checks signatures in the registry.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import asdict

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from attestations.index import SqlAttestationStore
from workers.settings import Settings

_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_COMMIT = re.compile(r"^[0-9a-f]{7,64}$")


def blueprint() -> Blueprint:
    bp = Blueprint("api", __name__, url_prefix="/api/v1")
    bp.before_request(_authorize)
    bp.add_url_rule("/reports/<owner>/<repo>/<commit>/<image>", "report", report)
    bp.add_url_rule("/images", "images", images)
    bp.add_url_rule("/images/<digest>/attestations", "attestations", attestations)
    return bp


def _authorize() -> ResponseReturnValue | None:
    """With DOCKGATE_API_TOKENS set, every call needs `Authorization: Bearer <one of them>`.

    Reports name private repositories' packages and vulnerabilities: installations that serve
    private code should set it. Tokens are compared in constant time, never logged.
    """
    settings: Settings = current_app.extensions["dockgate"].settings
    if not settings.api_tokens:
        return None
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    given = presented.strip().encode()
    ok = scheme.lower() == "bearer" and any(
        hmac.compare_digest(given, t.encode()) for t in settings.api_tokens
    )
    if ok:
        return None
    response = jsonify(error="the audit API needs `Authorization: Bearer <token>` (DOCKGATE_API_TOKENS)")
    response.headers["WWW-Authenticate"] = 'Bearer realm="dockgate"'
    return response, 401


def _store() -> SqlAttestationStore:
    """One store (engine and pool) per app, created on first use so the webhook path never pays for it."""
    store = current_app.extensions.get("dockgate-index")
    if store is None:
        settings: Settings = current_app.extensions["dockgate"].settings
        store = SqlAttestationStore(settings.database_url)
        current_app.extensions["dockgate-index"] = store
    return store


def _error(status: int, message: str) -> ResponseReturnValue:
    return jsonify(error=message), status


def report(owner: str, repo: str, commit: str, image: str) -> ResponseReturnValue:
    if not _COMMIT.match(commit):
        return _error(400, "commit must be a hexadecimal SHA")
    document = _store().report(f"{owner}/{repo}", commit, image)
    if document is None:
        return _error(404, f"no report for {image} at {owner}/{repo}@{commit[:12]}")
    return current_app.response_class(document, mimetype="application/json")


def images() -> ResponseReturnValue:
    component = request.args.get("component", "").strip()
    if not component:
        return _error(400, "give ?component=NAME (and optionally &version=V&promoted=true)")
    version = request.args.get("version") or None
    promoted = request.args.get("promoted", "").lower() in {"1", "true", "yes"}
    found = _store().images_with_component(component, version, promoted_only=promoted)
    return jsonify(images=[asdict(i) for i in found])


def attestations(digest: str) -> ResponseReturnValue:
    if not _DIGEST.match(digest):
        return _error(400, "digest must be sha256:<64 hex>")
    return jsonify(digest=digest, attestations=[asdict(a) for a in _store().attestations_of(digest)])


__all__ = ["blueprint"]
