"""`open_image`: one entry point for engine images, `docker-archive:` tars and `registry:` references.

Engine images are streamed with `docker save` into one unnamed scratch file (the engine API has no
random access); registry layers are fetched by digest, verified and inflated with bomb limits.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from attestations.oci import RegistryClient, RegistryError, load_credentials, parse_reference
from attestations.oci.errors import NotFound
from workers.image.archive import history_layers, open_archive_fd
from workers.image.blobs import Blob, inflate_to_scratch
from workers.image.errors import ImageError, ImageNotFound
from workers.image.fs import ImageFS, close_fds
from workers.image.model import Limits

logger = logging.getLogger(__name__)

ARCHIVE = "docker-archive:"
REGISTRY = "registry:"
_INDEX_KEYS = ("manifests",)


def open_image(
    source: str,
    *,
    docker_client: Any = None,
    registry_credentials: Path | None = None,
    limits: Limits | None = None,
) -> ImageFS:
    """Open an image by engine name/id, `docker-archive:TAR` or `registry:REF` (plain HTTP on loopback)."""
    limits = limits or Limits()
    if source.startswith(ARCHIVE):
        image = _from_archive(source, Path(source[len(ARCHIVE) :]), limits)
    elif source.startswith(REGISTRY):
        image = _from_registry(source[len(REGISTRY) :], registry_credentials, limits)
    else:
        image = _from_engine(source, docker_client, limits)
    image.source = source
    return image


def _from_archive(source: str, path: Path, limits: Limits) -> ImageFS:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise ImageNotFound(f"cannot open image archive {path}: {exc.strerror}") from exc
    return open_archive_fd(fd, name=source, limits=limits)


def _from_engine(name: str, client: Any, limits: Limits) -> ImageFS:
    # only the image reader and the builder talk to the engine
    import docker.errors
    from docker.client import DockerClient

    if client is None:
        client = DockerClient.from_env()
    try:
        image = client.images.get(name)
        spool = tempfile.TemporaryFile(dir=limits.scratch_dir)  # noqa: SIM115 - fd handed to ImageFS
        with spool:
            for chunk in image.save(chunk_size=1 << 20, named=False):
                spool.write(chunk)
            spool.flush()
            fd = os.dup(spool.fileno())
    except docker.errors.ImageNotFound as exc:
        raise ImageNotFound(f"image {name!r} is not in the Docker engine; build or pull it first") from exc
    except docker.errors.APIError as exc:
        raise ImageError(f"the Docker engine could not save {name!r}: {exc.explanation}") from exc
    digests = [str(d) for d in image.attrs.get("RepoDigests") or []]
    tags = [str(t) for t in image.attrs.get("RepoTags") or []]
    display = tags[0] if name.startswith("sha256:") and tags else name  # an id says nothing to a human
    return open_archive_fd(fd, name=display, limits=limits, repo_digest=digests[0] if digests else None)


def _from_registry(ref_text: str, credentials_path: Path | None, limits: Limits) -> ImageFS:
    ref = parse_reference(ref_text)
    creds = load_credentials(credentials_path) if credentials_path else {}
    fds: list[int] = []
    try:
        with RegistryClient(ref.registry, credentials=creds.get(ref.registry)) as client:
            manifest = client.get_manifest(ref.repository, ref.reference)
            document = manifest.json()
            if "manifests" in document:
                manifest = client.get_manifest(ref.repository, _pick_platform(document, ref_text))
                document = manifest.json()
            raw_config = client.get_blob(
                ref.repository, str(document["config"]["digest"]), max_size=limits.max_json_bytes
            )
            blobs: list[Blob] = []
            digests: list[str | None] = []
            for number, layer in enumerate(document.get("layers") or []):
                with client.open_blob(ref.repository, str(layer["digest"])) as stream:
                    blobs.append(inflate_to_scratch(stream, limits, f"{ref_text} layer {number}"))
                fds.append(blobs[-1].fd)
                digests.append(str(layer["digest"]))
    except NotFound as exc:
        close_fds(fds)()
        raise ImageNotFound(f"{ref_text} is not in the registry: {exc}") from exc
    except (RegistryError, KeyError, TypeError, ValueError) as exc:
        close_fds(fds)()
        raise ImageError(f"cannot read {ref_text} from the registry: {exc}") from exc
    except BaseException:
        close_fds(fds)()
        raise
    config = json.loads(raw_config)
    layers, by_index = history_layers(config, blobs, digests)
    return ImageFS(
        name=str(ref),
        image_id=str(document["config"]["digest"]),
        repo_digest=f"{ref.name}@{manifest.digest}",
        config=config,
        layers=layers,
        blobs=by_index,
        limits=limits,
        on_close=close_fds(fds),
    )


def _pick_platform(index: dict[str, Any], what: str) -> str:
    """The linux/amd64 manifest of an index (the only platform this service builds for)."""
    for item in index.get("manifests") or []:
        platform = item.get("platform") or {}
        if platform.get("os") == "linux" and platform.get("architecture") == "amd64":
            return str(item["digest"])
    raise ImageNotFound(f"{what} has no linux/amd64 image in its index")
