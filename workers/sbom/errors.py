"""Errors of SBOM generation."""

from __future__ import annotations

from attestations.errors import ConfigError, DockgateError


class SbomError(DockgateError):
    """An SBOM could not be produced or does not validate."""


class SyftUnavailable(ConfigError):
    """The syft backend was chosen but no `syft` executable is installed."""
