"""`/healthz` (the process answers), `/readyz` (Redis reachable), `/metrics` (Prometheus)."""

from __future__ import annotations

import os

import redis
from flask import Blueprint, Response, current_app, jsonify
from flask.typing import ResponseReturnValue
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from app.state import AppState


def blueprint() -> Blueprint:
    bp = Blueprint("health", __name__)
    bp.add_url_rule("/healthz", "healthz", healthz)
    bp.add_url_rule("/readyz", "readyz", readyz)
    bp.add_url_rule("/metrics", "metrics", metrics)
    return bp


def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")


def readyz() -> ResponseReturnValue:
    state: AppState = current_app.extensions["dockgate"]
    try:
        state.redis.ping()
    except redis.RedisError as exc:
        return jsonify(status="unavailable", redis=str(exc)), 503
    return jsonify(status="ready")


def metrics() -> ResponseReturnValue:
    """This process's metrics; under gunicorn set PROMETHEUS_MULTIPROC_DIR to aggregate workers."""
    state: AppState = current_app.extensions["dockgate"]
    registry = state.metrics.registry
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
