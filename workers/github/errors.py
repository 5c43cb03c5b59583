"""Errors of the GitHub client, as one actionable line each."""

from __future__ import annotations

from attestations.errors import DockgateError, TransientError


class GitHubApiError(DockgateError):
    """GitHub refused a request for a reason retrying will not fix (4xx other than rate limits)."""


class GitHubUnavailable(TransientError):
    """GitHub answered 5xx, rate-limited us past our wait budget, or could not be reached."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
