"""A small router keyed by event and action: handlers turn a payload into jobs to enqueue.

Handlers are pure functions of the payload (no Redis, no GitHub), so the routing table is tested
without services and the webhook handler stays O(1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import simdjson

from workers.queues import JobSpec

# The webhook hands handlers lazy simdjson documents (see `views.parse`), tests hand them dicts:
# handlers test for the abstract types, so both work.
Mapping.register(simdjson.Object)
Sequence.register(simdjson.Array)

Payload = Mapping[str, Any]
Handler = Callable[[Payload], Sequence[JobSpec]]


class Router:
    """`@router.register("pull_request", "opened", "synchronize")`; no action = every action."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str | None], list[Handler]] = {}

    def register(self, event: str, *actions: str) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            for action in actions or (None,):
                self._routes.setdefault((event, action), []).append(handler)
            return handler

        return decorate

    def handlers(self, event: str, action: str | None) -> list[Handler]:
        """The handlers for this event and action (exact action first, then catch-all)."""
        exact = self._routes.get((event, action), []) if action is not None else []
        return exact + self._routes.get((event, None), [])

    def dispatch(self, event: str, payload: Payload) -> list[JobSpec] | None:
        """Jobs for this delivery; None when no handler is interested (answered `ignored`)."""
        action = payload.get("action")
        handlers = self.handlers(event, action if isinstance(action, str) else None)
        if not handlers:
            return None
        return [spec for handler in handlers for spec in handler(payload)]
