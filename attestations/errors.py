"""The exception hierarchy shared by every layer.

Every error a user can meet is a :class:`DockgateError`; its :meth:`diagnostics` text becomes the
CLI's one-line error and the check-run summary, so it says what happened and how to fix it.
"""

from __future__ import annotations


class DockgateError(Exception):
    """Base class of every error dockgate raises on purpose."""

    def diagnostics(self) -> str:
        """One line for a human: what happened and, where known, what to do."""
        return str(self) or self.__class__.__name__


class ConfigError(DockgateError):
    """Settings are missing or malformed (environment, `.dockgate.yml`, CLI arguments)."""


class UsageError(DockgateError):
    """The user asked for something that cannot be done as asked (exit code 2)."""


class TransientError(DockgateError):
    """A failure worth retrying: a service was unreachable or answered 5xx/429."""


class NotImplementedYet(UsageError):
    """A planned command that its issue has not delivered yet."""
