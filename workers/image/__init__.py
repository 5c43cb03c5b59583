"""The image reader: an image's config, layers and merged filesystem, without extracting it.

    with open_image("docker-archive:app.tar") as image:
        for entry in image.files(): ...
        status = image.read("/var/lib/dpkg/status")

Sources: a local engine image name/id, `docker-archive:TAR` (a `docker save` archive) or
`registry:REF` (plain HTTP for 127.0.0.1).
"""

from workers.image.errors import (
    DecompressionBomb,
    FileTooLarge,
    HostileArchive,
    ImageError,
    ImageNotFound,
    NotAFile,
    SymlinkEscape,
)
from workers.image.fs import ImageFS
from workers.image.layercache import LayerCache, LayerMismatch
from workers.image.model import FileEntry, LayerInfo, Limits
from workers.image.sources import open_image

__all__ = [
    "DecompressionBomb",
    "FileEntry",
    "FileTooLarge",
    "HostileArchive",
    "ImageError",
    "ImageFS",
    "ImageNotFound",
    "LayerCache",
    "LayerInfo",
    "LayerMismatch",
    "Limits",
    "NotAFile",
    "SymlinkEscape",
    "open_image",
]
