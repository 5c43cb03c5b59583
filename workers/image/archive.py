"""`docker save` archives (docker-archive and the OCI layout docker 25+ writes), read in place.

The outer tar is indexed once; uncompressed `layer.tar` members become windows of the archive
file, compressed ones are inflated into scratch files with size and ratio limits.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
from dataclasses import dataclass
from typing import Any

from workers.image.blobs import GZIP_MAGIC, ZSTD_MAGIC, Blob, inflate_to_scratch
from workers.image.errors import HostileArchive, ImageError
from workers.image.fs import ImageFS, close_fds
from workers.image.model import LayerInfo, Limits
from workers.image.tarscan import normalise


@dataclass(frozen=True)
class _Member:
    blob: Blob
    linkname: str | None


def open_archive_fd(
    fd: int, *, name: str, limits: Limits, repo_digest: str | None = None, owned: list[int] | None = None
) -> ImageFS:
    """Read an image from an open `docker save` tar; the ImageFS takes ownership of `owned` fds."""
    fds = owned if owned is not None else [fd]
    try:
        members = _index(fd)
        manifest = _json(_member(members, "manifest.json"), "manifest.json", limits)
        if not isinstance(manifest, list) or not manifest or not isinstance(manifest[0], dict):
            raise ImageError(f"{name}: manifest.json lists no image; is this a `docker save` archive?")
        entry: dict[str, Any] = manifest[0]
        config_blob = _member(members, str(entry.get("Config", "")))
        raw_config = config_blob.pread(min(config_blob.size, limits.max_json_bytes + 1), 0)
        config = _parse_json(raw_config, "image config", limits)
        if not isinstance(config, dict):
            raise ImageError(f"{name}: the image config is not a JSON object; the archive is corrupt")
        layer_blobs = []
        for number, path in enumerate(entry.get("Layers") or []):
            layer_blobs.append(_layer(_member(members, str(path)), f"{name} layer {number}", limits, fds))
        layers, blobs = history_layers(config, layer_blobs, [None] * len(layer_blobs))
        tags = entry.get("RepoTags") or []
        return ImageFS(
            name=str(tags[0]) if tags and name.startswith("docker-archive:") else name,
            image_id="sha256:" + hashlib.sha256(raw_config).hexdigest(),
            repo_digest=repo_digest,
            config=config,
            layers=layers,
            blobs=blobs,
            limits=limits,
            on_close=close_fds(fds),
        )
    except BaseException:
        close_fds(fds)()
        raise


def history_layers(
    config: dict[str, Any], blobs: list[Blob], digests: list[str | None]
) -> tuple[list[LayerInfo], dict[int, Blob]]:
    """Pair config history with the filesystem layers (synthesised when history is missing/short)."""
    diff_ids = [str(d) for d in (config.get("rootfs") or {}).get("diff_ids") or []]
    if len(diff_ids) != len(blobs):
        raise ImageError(f"image config names {len(diff_ids)} layers but the image has {len(blobs)}")
    history = [h for h in config.get("history") or [] if isinstance(h, dict)]
    if sum(1 for h in history if not h.get("empty_layer")) != len(blobs):
        history = [{} for _ in blobs]
    layers: list[LayerInfo] = []
    by_index: dict[int, Blob] = {}
    fs_index = 0
    for item in history:
        created_by = str(item.get("created_by", ""))
        if item.get("empty_layer"):
            layers.append(LayerInfo("", None, created_by, True, 0))
            continue
        blob = blobs[fs_index]
        by_index[len(layers)] = blob
        layers.append(LayerInfo(diff_ids[fs_index], digests[fs_index], created_by, False, blob.size))
        fs_index += 1
    return layers, by_index


def _index(fd: int) -> dict[str, _Member]:
    whole = Blob(fd, 0, os.fstat(fd).st_size)
    members: dict[str, _Member] = {}
    try:
        with tarfile.open(fileobj=whole.open(), mode="r:") as tar:
            for info in tar:
                path = normalise(info.name, what="archive")
                if info.isreg():
                    members[path] = _Member(whole.window(info.offset_data, info.size), None)
                elif info.issym() or info.islnk():
                    base = path.rpartition("/")[0] if info.issym() else ""
                    target = normalise(f"{base}/{info.linkname}", what="archive")
                    members[path] = _Member(whole.window(0, 0), target)
    except (tarfile.TarError, EOFError) as exc:
        raise ImageError(
            f"not a readable image archive ({exc}); create it with `docker save IMAGE -o FILE`"
        ) from exc
    return members


def _member(members: dict[str, _Member], path: str) -> Blob:
    current = normalise(path, what="manifest.json")
    for _ in range(8):
        member = members.get(current)
        if member is None:
            raise ImageError(f"the archive has no {path!r}: it is incomplete; save the image again")
        if member.linkname is None:
            return member.blob
        current = member.linkname
    raise HostileArchive(f"archive member {path!r} is a chain of links: refusing it")


def _layer(blob: Blob, what: str, limits: Limits, fds: list[int]) -> Blob:
    head = blob.pread(4, 0)
    if not (head.startswith(GZIP_MAGIC) or head.startswith(ZSTD_MAGIC)):
        return blob
    with blob.open() as stream:
        inflated = inflate_to_scratch(stream, limits, what)
    fds.append(inflated.fd)
    return inflated


def _json(blob: Blob, what: str, limits: Limits) -> Any:
    return _parse_json(blob.pread(min(blob.size, limits.max_json_bytes + 1), 0), what, limits)


def _parse_json(raw: bytes, what: str, limits: Limits) -> Any:
    if len(raw) > limits.max_json_bytes:
        raise HostileArchive(f"{what} is larger than {limits.max_json_bytes} bytes: refusing it")
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ImageError(f"{what} is not valid JSON ({exc}); the archive is corrupt") from exc
