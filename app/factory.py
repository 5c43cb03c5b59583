"""`create_app(settings=None)`: the one Flask app (webhooks, health; admission, API, dashboard later).

To add endpoints, append a blueprint factory to :data:`BLUEPRINTS`.
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
    webhooks.blueprint,
    setup.blueprint,
    api.blueprint,
]


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app from `settings` (default: the environment); fails fast on missing config."""
    settings = settings or Settings.from_env()
    settings.require("github_webhook_secret")
    app = Flask("dockgate")
    app.config["MAX_CONTENT_LENGTH"] = webhooks.MAX_BODY_BYTES
    app.extensions["dockgate"] = AppState(
        settings=settings,
        redis=queues.connect(settings.redis_url, timeout=1.0),
        metrics=Metrics.create(),
        webhook_secret=str(settings.github_webhook_secret).encode(),
    )
    for factory in BLUEPRINTS:
        app.register_blueprint(factory())
    return app
