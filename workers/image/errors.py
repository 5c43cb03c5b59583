"""Errors of the image reader: each says which image or path and what to do about it."""

from __future__ import annotations

from attestations.errors import DockgateError, UsageError


class ImageError(DockgateError):
    """An image could not be read (unreadable archive, missing layer, bad config)."""


class ImageNotFound(UsageError):
    """The named image is not in the engine, the archive or the registry."""


class HostileArchive(ImageError):
    """The image contains something no honest builder writes (traversal, bombs, escapes)."""


class DecompressionBomb(HostileArchive):
    """A compressed layer expands beyond the configured size or ratio limits."""


class SymlinkEscape(HostileArchive):
    """A relative symlink climbs above the image root, or symlinks loop."""


class FileTooLarge(ImageError):
    """A file in the image is larger than the caller's read limit."""


class NotAFile(ImageError):
    """The path is missing, a directory, or a special file, so it has no content to read."""
