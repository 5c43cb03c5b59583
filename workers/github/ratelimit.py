"""Rate limits and transient failures of the REST API, handled the way GitHub documents.

PyGithub's own retry never retries PATCH nor a 429 without `Retry-After`, and sleeps inside the
calling thread for as long as GitHub asks. :func:`call_github` wraps one API call: it honours
`Retry-After` and `X-RateLimit-Reset` up to a small inline budget, otherwise it raises
:class:`GitHubUnavailable` (a `TransientError`) so RQ retries the job step later instead of the
verdict failing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import requests
from github import GithubException

from workers.github.errors import GitHubApiError, GitHubUnavailable

logger = logging.getLogger(__name__)
T = TypeVar("T")

SECONDARY_DEFAULT_WAIT = 60.0
INLINE_WAIT_BUDGET = 10.0


def retry_delay(status: int, headers: Mapping[str, Any], message: str, now: float) -> float | None:
    """Seconds GitHub asks us to wait before retrying, or None when the error is not a rate limit."""
    lowered = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    if "retry-after" in lowered:
        try:
            return max(0.0, float(lowered["retry-after"]))
        except ValueError:
            return SECONDARY_DEFAULT_WAIT
    if status not in (403, 429):
        return None
    if lowered.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in lowered:
        try:
            return max(0.0, float(lowered["x-ratelimit-reset"]) - now) + 1.0
        except ValueError:
            return SECONDARY_DEFAULT_WAIT
    if status == 429 or "rate limit" in message.lower():
        return SECONDARY_DEFAULT_WAIT
    return None


def call_github(
    what: str,
    call: Callable[[], T],
    *,
    attempts: int = 3,
    budget: float = INLINE_WAIT_BUDGET,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run one GitHub API call; wait out short rate limits, turn long ones and 5xx into retries."""
    waited = 0.0
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except GithubException as exc:
            message = str(exc.data.get("message", "")) if isinstance(exc.data, dict) else str(exc.data)
            delay = retry_delay(exc.status, exc.headers or {}, message, time.time())
            if delay is None and exc.status < 500:
                raise GitHubApiError(f"GitHub refused to {what}: {exc.status} {message}".strip()) from exc
            delay = min(2.0**attempt, 8.0) if delay is None else delay
            if attempt == attempts or waited + delay > budget:
                raise GitHubUnavailable(
                    f"GitHub could not {what} ({exc.status} {message}); retrying in {delay:.0f}s",
                    retry_after=delay,
                ) from exc
        except requests.RequestException as exc:
            delay = min(2.0**attempt, 8.0)
            if attempt == attempts:
                raise GitHubUnavailable(f"GitHub unreachable while trying to {what}: {exc}") from exc
        logger.warning("GitHub asked to wait %.1fs before retrying to %s", delay, what)
        sleep(delay)
        waited += delay
    raise AssertionError("unreachable")  # pragma: no cover
