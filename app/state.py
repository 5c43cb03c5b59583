"""What the Flask app keeps in `app.extensions["dockgate"]`: settings, Redis, metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import redis
from prometheus_client import CollectorRegistry, Counter, Histogram

from workers.settings import Settings


@dataclass(frozen=True)
class Metrics:
    """Per-app Prometheus collectors (one registry per app, so tests can build many apps)."""

    registry: CollectorRegistry
    deliveries: Counter
    latency: Histogram
    _children: dict[tuple[str, str], Any] = field(repr=False)

    @classmethod
    def create(cls) -> Metrics:
        registry = CollectorRegistry(auto_describe=True)
        deliveries = Counter(
            "dockgate_webhook_deliveries",
            "Webhook deliveries by outcome",
            ["event", "outcome"],
            registry=registry,
        )
        latency = Histogram(
            "dockgate_webhook_seconds",
            "Time to answer a webhook delivery",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
            registry=registry,
        )
        return cls(registry, deliveries, latency, {})

    def count(self, event: str, outcome: str, seconds: float) -> None:
        """One answered delivery (the labelled counter is looked up once per event and outcome)."""
        child = self._children.get((event, outcome))
        if child is None:
            child = self._children[(event, outcome)] = self.deliveries.labels(event=event, outcome=outcome)
        child.inc()
        self.latency.observe(seconds)


@dataclass(frozen=True)
class AppState:
    settings: Settings
    redis: redis.Redis
    metrics: Metrics
    webhook_secret: bytes = field(repr=False)
