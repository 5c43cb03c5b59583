"""`create_app(settings=None)`: the one Flask app (health, setup, API) behind the webhook endpoint.

To add endpoints, append a blueprint factory to :data:`BLUEPRINTS`. `POST /webhooks/github` is
served by a WSGI endpoint in front of Flask (`app.webhooks.views`: it is the hot path).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask

from app import api, health, setup
from app.state import AppState, Metrics
from app.webhooks import views as webhooks
from workers import queues
from workers.settings import Settings

BLUEPRINTS: list[Callable[[], Blueprint]] = [
    health.blueprint,
    setup.blueprint,
    api.blueprint,
]


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app from `settings` (default: the environment); fails fast on missing config."""
    settings = settings or Settings.from_env()
    settings.require("github_webhook_secret")
    app = Flask("dockgate")
    app.config["MAX_CONTENT_LENGTH"] = webhooks.MAX_BODY_BYTES
    state = app.extensions["dockgate"] = AppState(
        settings=settings,
        redis=queues.connect(settings.redis_url, timeout=1.0),
        metrics=Metrics.create(),
        webhook_secret=str(settings.github_webhook_secret).encode(),
    )
    for factory in BLUEPRINTS:
        app.register_blueprint(factory())
    app.wsgi_app = webhooks.WebhookEndpoint(app.wsgi_app, state)  # type: ignore[method-assign]
    return app
