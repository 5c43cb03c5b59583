"""Push a built image from the engine to a registry and learn its manifest digest.

The engine does the layer upload (it already holds the layers); the digest it reports is then
checked against the registry itself, so what we sign is what the registry serves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from attestations.errors import DockgateError, TransientError
from attestations.oci import Credentials, RegistryClient
from attestations.oci.errors import NotFound

logger = logging.getLogger(__name__)


class PushError(DockgateError):
    """The engine could not push the image."""


@dataclass(frozen=True)
class PushedImage:
    registry: str
    repository: str
    tag: str
    digest: str

    @property
    def reference(self) -> str:
        return f"{self.registry}/{self.repository}@{self.digest}"


def push_image(
    engine: Any,
    image_id: str,
    registry: str,
    repository: str,
    tag: str,
    *,
    credentials: Credentials | None = None,
) -> PushedImage:
    """Tag `image_id` as registry/repository:tag, push it, and return the verified manifest digest."""
    import docker.errors

    target = f"{registry}/{repository}"
    auth = {"username": credentials.username, "password": credentials.password} if credentials else None
    try:
        engine.images.get(image_id).tag(target, tag)
        stream = engine.images.push(target, tag, stream=True, decode=True, auth_config=auth)
        errors = [str(line["error"]) for line in stream if isinstance(line, dict) and "error" in line]
    except docker.errors.APIError as exc:
        raise TransientError(f"pushing {target}:{tag} failed: {exc.explanation or exc}") from exc
    finally:
        _untag(engine, f"{target}:{tag}")
    if errors:
        raise PushError(f"pushing {target}:{tag} failed: {errors[-1]}")
    with RegistryClient(registry, credentials=credentials) as client:
        try:
            manifest = client.get_manifest(repository, tag)
        except NotFound as exc:
            raise PushError(f"{target}:{tag} is not in the registry after the push") from exc
    logger.info("pushed %s:%s as %s", target, tag, manifest.digest)
    return PushedImage(registry, repository, tag, manifest.digest)


def _untag(engine: Any, reference: str) -> None:
    """Drop the temporary registry tag so the engine's tag list does not grow with every run."""
    import docker.errors

    try:
        engine.images.remove(reference, noprune=True)
    except docker.errors.APIError:
        logger.debug("could not remove the temporary tag %s", reference)
