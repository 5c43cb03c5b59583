"""What catalogers find: packages (frozen values) and the reasons something could not be read."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol

from packageurl import PackageURL

from workers.image import FileEntry, ImageFS


@dataclass(frozen=True)
class Package:
    """One installed package as a cataloger saw it."""

    name: str
    version: str
    purl: str
    found_by: str  # cataloger name, e.g. "dpkg"
    layer_diff_id: str  # layer that wrote the record the package was read from
    locations: tuple[str, ...] = ()  # evidence: the record first, then other files read
    licenses: tuple[str, ...] = ()
    owned_files: frozenset[str] = frozenset()  # files the package installs (dpkg .list, RECORD, apk)
    component_type: str = "library"  # CycloneDX component type
    description: str | None = None
    supplier: str | None = None
    properties: tuple[tuple[str, str], ...] = ()
    owner: str | None = None  # purl of the OS package that owns this package's files


@dataclass(frozen=True)
class Skipped:
    """A record a cataloger could not read; reported, never silently dropped."""

    cataloger: str
    path: str
    reason: str


@dataclass
class Catalog:
    packages: list[Package] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    distro: Distro | None = None


@dataclass(frozen=True)
class Distro:
    """The OS identity from /etc/os-release."""

    id: str
    version_id: str
    pretty_name: str
    id_like: tuple[str, ...] = ()
    version_codename: str = ""
    layer_diff_id: str = ""
    path: str = "/etc/os-release"

    @property
    def qualifier(self) -> str:
        """The purl `distro=` qualifier value, e.g. `debian-12`."""
        return f"{self.id}-{self.version_id}" if self.version_id else self.id


class FileIndex:
    """One pass over the merged filesystem, grouped by basename for the catalogers' lookups."""

    def __init__(self, image: ImageFS) -> None:
        self.image = image
        self.entries: list[FileEntry] = list(image.files())
        self.by_name: dict[str, list[FileEntry]] = defaultdict(list)
        self.by_path: dict[str, FileEntry] = {}
        for entry in self.entries:
            self.by_name[entry.path.rpartition("/")[2]].append(entry)
            self.by_path[entry.path] = entry

    def named(self, basename: str) -> list[FileEntry]:
        return self.by_name.get(basename, [])


class Cataloger(Protocol):
    """Finds one kind of package in an image."""

    name: str

    def catalog(self, index: FileIndex, found: Catalog) -> None:
        """Append packages (and skips) to `found`; `found.distro` is set before OS catalogers run."""


def purl(kind: str, name: str, version: str, namespace: str | None = None, **qualifiers: str) -> str:
    """A canonical purl string (qualifiers sorted, empty ones dropped)."""
    quals = {k: v for k, v in sorted(qualifiers.items()) if v}
    return str(
        PackageURL(type=kind, namespace=namespace, name=name, version=version or None, qualifiers=quals)
    )
