"""RPM packages from the SQLite rpmdb (`/var/lib/rpm/rpmdb.sqlite`, RHEL 9 / Fedora 33+ and later).

Each row of `Packages` is an RPM header blob (index entries + data store), parsed here directly;
the database is opened in memory (`sqlite3.Connection.deserialize`), never written to disk. The
Berkeley DB (`Packages`) and NDB (`Packages.db`) formats of older releases are not read: each such
database is reported as a `Skipped` entry (so the SBOM says its RPMs are missing), never ignored.
"""

from __future__ import annotations

import sqlite3
import struct
from typing import Any

from workers.image import ImageError
from workers.sbom.package import Catalog, FileIndex, Package, Skipped, purl

LIMIT = 512 << 20
NAME, VERSION, RELEASE, EPOCH = 1000, 1001, 1002, 1003
VENDOR, LICENSE, ARCH, SOURCERPM = 1011, 1014, 1022, 1044
DIRINDEXES, BASENAMES, DIRNAMES = 1116, 1117, 1118
_INT_FORMATS = {2: ">b", 3: ">h", 4: ">i", 5: ">q"}
_INT_SIZES = {2: 1, 3: 2, 4: 4, 5: 8}


class BadHeader(ValueError):
    """The blob is not an RPM header."""


def parse_header(blob: bytes) -> dict[int, Any]:
    """Tag -> value (int list, str, or str list) of an rpmdb header blob."""
    if len(blob) < 8:
        raise BadHeader("short header")
    count, size = struct.unpack_from(">ii", blob, 0)
    store = 8 + 16 * count
    if count < 0 or size < 0 or count > 65536 or store + size > len(blob):
        raise BadHeader("header sizes are out of bounds")
    values: dict[int, Any] = {}
    for i in range(count):
        tag, kind, offset, items = struct.unpack_from(">iiii", blob, 8 + 16 * i)
        if not 0 <= offset < size or items < 0:
            continue
        at = store + offset
        if kind in _INT_FORMATS:
            width = _INT_SIZES[kind]
            end = min(at + width * items, store + size)
            values[tag] = [
                struct.unpack_from(_INT_FORMATS[kind], blob, p)[0] for p in range(at, end - width + 1, width)
            ]
        elif kind in (6, 8, 9):
            strings = blob[at : store + size].split(b"\0", items)[:items]
            decoded = [s.decode("utf-8", "replace") for s in strings]
            values[tag] = decoded[0] if kind == 6 and decoded else decoded
    return values


def _owned(header: dict[int, Any]) -> frozenset[str]:
    dirs, names, indexes = header.get(DIRNAMES, []), header.get(BASENAMES, []), header.get(DIRINDEXES, [])
    return frozenset(
        f"{dirs[i]}{name}"
        for name, i in zip(names, indexes, strict=False)
        if isinstance(i, int) and 0 <= i < len(dirs)
    )


def _first(header: dict[int, Any], tag: int) -> str:
    value = header.get(tag, "")
    return str(value[0] if isinstance(value, list) and value else value or "")


_LEGACY = {
    "Packages": "a Berkeley DB rpm database (RHEL/CentOS 8 and older, Amazon Linux 2)",
    "Packages.db": "an NDB rpm database (SUSE/openSUSE)",
}


class RpmCataloger:
    name = "rpm"

    def catalog(self, index: FileIndex, found: Catalog) -> None:
        self._sqlite(index, found)
        self._legacy(index, found)

    def _legacy(self, index: FileIndex, found: Catalog) -> None:
        """Berkeley DB / NDB databases with no SQLite one beside them: a skip that says why."""
        for basename, what in _LEGACY.items():
            for entry in index.named(basename):
                directory = entry.path.rpartition("/")[0]
                if (
                    not directory.endswith("/rpm")
                    or entry.type not in ("file", "hardlink")
                    or entry.size == 0
                    or f"{directory}/rpmdb.sqlite" in index.by_path
                ):
                    continue
                reason = (
                    f"{what}: dockgate reads only the SQLite rpmdb (rpmdb.sqlite), so this image's "
                    "RPM packages are not in the SBOM; syft reads it (`dockgate sbom --backend syft`)"
                )
                found.skipped.append(Skipped(self.name, entry.path, reason))

    def _sqlite(self, index: FileIndex, found: Catalog) -> None:
        for entry in index.named("rpmdb.sqlite"):
            if not entry.path.endswith("/rpm/rpmdb.sqlite") or entry.type not in ("file", "hardlink"):
                continue
            try:
                rows = self._rows(index.image.read(entry.path, limit=LIMIT))
            except (ImageError, sqlite3.Error) as exc:
                found.skipped.append(Skipped(self.name, entry.path, f"unreadable rpmdb: {exc}"))
                continue
            for number, blob in rows:
                try:
                    header = parse_header(blob)
                except (BadHeader, struct.error, IndexError) as exc:
                    found.skipped.append(Skipped(self.name, f"{entry.path}#{number}", str(exc)))
                    continue
                if header.get(NAME):
                    found.packages.append(self._package(header, entry.path, entry.layer_diff_id, found))

    @staticmethod
    def _rows(data: bytes) -> list[tuple[int, bytes]]:
        connection = sqlite3.connect(":memory:")
        try:
            connection.deserialize(data)
            return [
                (int(n), bytes(b))
                for n, b in connection.execute("SELECT hnum, blob FROM Packages ORDER BY hnum")
            ]
        finally:
            connection.close()

    def _package(self, header: dict[int, Any], path: str, layer: str, found: Catalog) -> Package:
        name, epoch = _first(header, NAME), _first(header, EPOCH)
        version = f"{_first(header, VERSION)}-{_first(header, RELEASE)}"
        distro = found.distro
        return Package(
            name=name,
            version=f"{epoch}:{version}" if epoch else version,
            purl=purl(
                "rpm",
                name,
                version,
                namespace=distro.id if distro else "redhat",
                arch=_first(header, ARCH),
                epoch=epoch,
                upstream=_first(header, SOURCERPM),
                distro=distro.qualifier if distro else "",
            ),
            found_by=self.name,
            layer_diff_id=layer,
            locations=(path,),
            licenses=(_first(header, LICENSE),) if header.get(LICENSE) else (),
            owned_files=_owned(header),
            supplier=_first(header, VENDOR) or None,
        )
