"""What the image reader hands out: layers of the image and entries of its merged filesystem."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LayerInfo:
    """One entry of the image history; `empty_layer` entries (ENV, CMD, ...) carry no filesystem."""

    diff_id: str  # "" for empty layers
    digest: str | None  # compressed blob digest when the source knows it (registry, OCI archive)
    created_by: str
    empty_layer: bool
    size: int  # uncompressed tar size in bytes


@dataclass(frozen=True)
class FileEntry:
    """A path of the merged filesystem and the layer that last wrote it."""

    path: str  # absolute, normalised, e.g. "/etc/passwd"
    type: str  # "file" | "dir" | "symlink" | "hardlink" | "other"
    mode: int
    size: int
    uid: int
    gid: int
    linkname: str | None
    layer_index: int  # index into ImageFS.layers
    layer_diff_id: str


@dataclass(frozen=True)
class Limits:
    """Bounds that turn hostile input into an error instead of exhausted disk or memory."""

    max_layer_bytes: int = 16 << 30  # uncompressed bytes of one layer
    max_ratio: int = 500  # uncompressed / compressed, checked once a layer passes 64 MiB
    max_entries: int = 2_000_000  # tar entries in the whole image
    max_json_bytes: int = 16 << 20  # manifest.json, image config
    scratch_dir: str | None = field(default=None)  # where decompressed layers are spooled
