"""`open_image`: one entry point for engine images, `docker-archive:` tars and `registry:` references.

Engine images are streamed with `docker save` into one unnamed scratch file (the engine API has no
random access); registry layers are fetched by digest, verified and inflated with bomb limits.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from attestations.oci import Credentials, RegistryClient, RegistryError, load_credentials, parse_reference
from attestations.oci.errors import NotFound
from workers.image.archive import history_layers, open_archive_fd
from workers.image.blobs import Blob, inflate, inflate_to_scratch
from workers.image.errors import ImageError, ImageNotFound
from workers.image.fs import ImageFS, close_fds
from workers.image.layercache import LayerCache
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
    registry_auth: Mapping[str, Credentials] | None = None,
    layer_cache: LayerCache | None = None,
    limits: Limits | None = None,
) -> ImageFS:
    """Open an image by engine name/id, `docker-archive:TAR` or `registry:REF` (plain HTTP on loopback).

    Registry layers already in `layer_cache` (by diff_id) are not fetched again; the others are
    fetched, checked against both their digest and their diff_id, and added to it.
    """
    limits = limits or Limits()
    if source.startswith(ARCHIVE):
        image = _from_archive(source, Path(source[len(ARCHIVE) :]), limits)
    elif source.startswith(REGISTRY):
        auth = dict(registry_auth or {})
        if registry_credentials is not None:
            auth.update(load_credentials(registry_credentials))
        image = _from_registry(source[len(REGISTRY) :], auth, limits, layer_cache)
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


def _from_registry(
    ref_text: str, credentials: Mapping[str, Credentials], limits: Limits, cache: LayerCache | None
) -> ImageFS:
    ref = parse_reference(ref_text)
    fds: list[int] = []
    try:
        with RegistryClient(ref.registry, credentials=credentials.get(ref.registry)) as client:
            manifest = client.get_manifest(ref.repository, ref.reference)
            document = manifest.json()
            if "manifests" in document:
                manifest = client.get_manifest(ref.repository, _pick_platform(document, ref_text))
                document = manifest.json()
            raw_config = client.get_blob(
                ref.repository, str(document["config"]["digest"]), max_size=limits.max_json_bytes
            )
            config = json.loads(raw_config)
            entries = document.get("layers") or []
            diff_ids = _diff_ids(config, len(entries), ref_text)
            blobs: list[Blob] = []
            digests: list[str | None] = []
            for number, (layer, diff_id) in enumerate(zip(entries, diff_ids, strict=True)):
                what = f"{ref_text} layer {number}"
                blob = cache.open(diff_id) if cache is not None else None
                if blob is None:
                    digest = str(layer["digest"])
                    blob = _fetch_layer(client, ref.repository, digest, diff_id, what, limits, cache)
                fds.append(blob.fd)
                blobs.append(blob)
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


def _fetch_layer(
    client: RegistryClient,
    repository: str,
    digest: str,
    diff_id: str,
    what: str,
    limits: Limits,
    cache: LayerCache | None,
) -> Blob:
    with client.open_blob(repository, digest) as stream:
        if cache is None:
            return inflate_to_scratch(stream, limits, what)
        return cache.admit(diff_id, lambda out, update: inflate(stream, out, limits, what, update))


def _diff_ids(config: Any, count: int, what: str) -> list[str]:
    """The config's uncompressed layer digests, one per manifest layer."""
    rootfs = config.get("rootfs") if isinstance(config, dict) else None
    diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if not isinstance(diff_ids, list) or len(diff_ids) != count:
        raise ImageError(
            f"{what}: the image config's rootfs.diff_ids do not match the manifest's {count} layers"
        )
    return [str(d) for d in diff_ids]


def _pick_platform(index: dict[str, Any], what: str) -> str:
    """The linux/amd64 manifest of an index (the only platform this service builds for)."""
    for item in index.get("manifests") or []:
        platform = item.get("platform") or {}
        if platform.get("os") == "linux" and platform.get("architecture") == "amd64":
            return str(item["digest"])
    raise ImageNotFound(f"{what} has no linux/amd64 image in its index")
