"""Marks language packages whose files an OS package installed (Debian's pip, node-* modules).

Such packages get `owner` = the OS package's purl, which the scanner uses to route them to the
distro's advisories instead of PyPI/npm ones (syft reports them twice, unmarked). Paths from
dpkg `.list` files are compared after resolving symlinked directories (`/lib` -> `/usr/lib`).
"""

from __future__ import annotations

from dataclasses import replace

from workers.image import ImageError
from workers.sbom.package import FileIndex, Package

OS_CATALOGERS = frozenset({"dpkg", "apk", "rpm"})


def mark_owners(packages: list[Package], index: FileIndex) -> list[Package]:
    """`packages` with `owner` set on every non-OS package whose record file an OS package owns."""
    owners = _owner_map(packages, index)
    if not owners:
        return packages
    marked = []
    for package in packages:
        if package.found_by not in OS_CATALOGERS and package.locations:
            owner = owners.get(package.locations[0])
            if owner is not None and owner != package.purl:
                package = replace(package, owner=owner)
        marked.append(package)
    return marked


def _owner_map(packages: list[Package], index: FileIndex) -> dict[str, str]:
    real_dirs: dict[str, str] = {}
    owners: dict[str, str] = {}
    for package in packages:
        if package.found_by not in OS_CATALOGERS:
            continue
        for path in package.owned_files:
            owners.setdefault(path, package.purl)
            if path in index.by_path:
                continue
            directory, _, base = path.rpartition("/")
            real = real_dirs.get(directory)
            if real is None:
                real = real_dirs[directory] = _realpath(index, directory)
            owners.setdefault(f"{real.rstrip('/')}/{base}", package.purl)
    return owners


def _realpath(index: FileIndex, directory: str) -> str:
    try:
        return index.image.realpath(directory or "/")
    except ImageError:
        return directory
