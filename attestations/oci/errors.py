"""Registry errors: each says which registry call failed and what to check."""

from __future__ import annotations

from attestations.errors import DockgateError, TransientError, UsageError


class RegistryError(DockgateError):
    """A registry answered in a way the client cannot use (4xx, bad digest, bad document)."""


class RegistryUnavailable(TransientError):
    """The registry was unreachable or kept answering 5xx/429 after retries."""


class RegistryAuthError(RegistryError):
    """The registry refused the credentials (or none were configured)."""


class NotFound(RegistryError):
    """The manifest, blob or repository does not exist."""


class DigestMismatch(RegistryError):
    """Content did not hash to the digest that addressed it: refuse it, never use it."""


class InvalidReference(UsageError):
    """An image reference could not be parsed."""
