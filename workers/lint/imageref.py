"""Image references as FROM spells them: `[registry/]repo[:tag][@digest]`.

Parsed here (not with the docker SDK) because analyzers must not import docker. Also knows which
official images have slimmer variants (DG103) and rewrites references to a base-image mirror.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIGEST = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,}$")
# Official images whose full-size tags have a slim/alpine/distroless counterpart.
SLIM_FAMILIES = frozenset(
    {"python", "node", "ruby", "golang", "openjdk", "eclipse-temurin", "debian", "perl", "php", "rust",
     "elixir", "erlang", "gradle", "maven", "amazoncorretto", "buildpack-deps"}
)  # fmt: skip
_SLIM_MARKERS = ("slim", "alpine", "distroless", "-jre", "minimal", "micro", "busybox", "chiseled", "runtime")


@dataclass(frozen=True)
class ImageRef:
    registry: str | None
    repository: str  # without registry, e.g. "library/python" is spelled "python"
    tag: str | None
    digest: str | None

    @property
    def official(self) -> str | None:
        """The Docker Hub official image name (`python`), also behind a mirror; None for others."""
        repo = self.repository.removeprefix("mirror/").removeprefix("library/")
        return None if "/" in repo else repo

    def __str__(self) -> str:
        out = f"{self.registry}/{self.repository}" if self.registry else self.repository
        out += f":{self.tag}" if self.tag else ""
        return out + (f"@{self.digest}" if self.digest else "")


def parse_ref(text: str) -> ImageRef:
    """Split a reference; raises ValueError for something that is not an image reference."""
    name, _, digest = text.strip().partition("@")
    if digest and not _DIGEST.match(digest):
        raise ValueError(f"bad digest {digest!r}")
    first, slash, rest = name.partition("/")
    registry = None
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, name = first, rest
    repo, colon, tag = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else (name, "", "")
    if not repo or not re.match(r"^[a-z0-9]+(?:[._/-]+[a-z0-9]+)*$", repo):
        raise ValueError(f"bad repository {repo!r}")
    if colon and not re.match(r"^[\w][\w.-]{0,127}$", tag):
        raise ValueError(f"bad tag {tag!r}")
    return ImageRef(registry, repo, tag or None, digest or None)


def is_full_size(ref: ImageRef) -> bool:
    """True for e.g. `python:3.11` or `node:18` whose slim/alpine variant exists."""
    if ref.official not in SLIM_FAMILIES:
        return False
    tag = (ref.tag or "latest").lower()
    return not any(marker in tag for marker in _SLIM_MARKERS)


def mirror_ref(text: str, mirror: str) -> str:
    """Rewrite a Docker Hub reference into `mirror`: `python:3` -> `<mirror>/library/python:3`.

    References that already name a registry (or `scratch`) are returned unchanged.
    """
    if text == "scratch":
        return text
    ref = parse_ref(text)
    if ref.registry and ref.registry != "docker.io":
        return text
    repo = ref.repository if "/" in ref.repository else f"library/{ref.repository}"
    return str(ImageRef(mirror.rstrip("/"), repo, ref.tag, ref.digest))
