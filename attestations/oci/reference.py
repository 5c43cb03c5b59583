"""Image references (`registry/repository[:tag][@digest]`) parsed the way docker and cosign read them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from attestations.oci.errors import InvalidReference

DEFAULT_REGISTRY = "docker.io"
_DIGEST = re.compile(r"^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")


@dataclass(frozen=True)
class ImageReference:
    """A parsed reference; `digest` pins content, `tag` is only a mutable name."""

    registry: str
    repository: str
    tag: str | None
    digest: str | None

    def __str__(self) -> str:
        text = f"{self.registry}/{self.repository}"
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text

    @property
    def name(self) -> str:
        """`registry/repository`, the docker-reference cosign signs."""
        return f"{self.registry}/{self.repository}"

    @property
    def reference(self) -> str:
        """What to ask the registry for: the digest when known, else the tag (default `latest`)."""
        return self.digest or self.tag or "latest"

    def with_digest(self, digest: str) -> ImageReference:
        """The same name pinned to `digest` (tag kept for display)."""
        return ImageReference(self.registry, self.repository, self.tag, validate_digest(digest))


def validate_digest(digest: str) -> str:
    """Return `digest` if it is a well-formed sha256/sha512 digest, else raise."""
    if not _DIGEST.match(digest):
        raise InvalidReference(f"invalid digest {digest!r}: expected sha256:<64 hex>")
    return digest


def _split_registry(name: str) -> tuple[str, str]:
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or first.startswith("[")):
        return first, rest
    repository = name if "/" in name else f"library/{name}"
    return DEFAULT_REGISTRY, repository


def parse_reference(ref: str) -> ImageReference:
    """Parse `ref`; names without a registry host are Docker Hub names (`library/` for one component)."""
    text = ref.strip()
    if not text or text != ref or any(c.isspace() for c in text):
        raise InvalidReference(f"invalid image reference {ref!r}: empty or contains whitespace")
    name, _, digest = text.partition("@")
    tag: str | None = None
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
        if not _TAG.match(tag):
            raise InvalidReference(f"invalid tag {tag!r} in {ref!r}")
    registry, repository = _split_registry(name)
    if not repository or not all(_COMPONENT.match(part) for part in repository.split("/")):
        raise InvalidReference(f"invalid repository {repository!r} in {ref!r}: use lowercase [a-z0-9._-]")
    return ImageReference(registry, repository, tag, validate_digest(digest) if digest else None)
