"""Debian packages: `/var/lib/dpkg/status`, distroless `status.d/*`, with `.list` ownership and licences."""

from __future__ import annotations

from collections.abc import Iterator

from workers.image import FileEntry, ImageError
from workers.sbom.licenses import from_debian_copyright
from workers.sbom.package import Catalog, FileIndex, Package, Skipped, purl

STATUS_LIMIT = 256 << 20
_INFO_DIRS = ("/var/lib/dpkg/info",)
# Files beside the stanzas in distroless `status.d/` that are not stanzas themselves. Package names
# may contain dots (`python3.11-minimal`, `libpython3.11-stdlib`), so only these suffixes are excluded.
NOT_STATUS = (".md5sums", ".list", ".conffiles", ".dpkg-new", ".dpkg-old", ".dpkg-tmp", ".dpkg-bak")


def parse_stanzas(text: str) -> Iterator[dict[str, str]]:
    """RFC 822-style paragraphs (dpkg status, apt control files); continuation lines are joined."""
    fields: dict[str, str] = {}
    key = ""
    for line in text.splitlines():
        if not line.strip():
            if fields:
                yield fields
            fields, key = {}, ""
        elif line[0] in " \t" and key:
            fields[key] += "\n" + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            key = key.strip()
            fields[key] = value.strip()
    if fields:
        yield fields


def _installed(fields: dict[str, str]) -> bool:
    status = fields.get("Status", "install ok installed").split()
    return bool(fields.get("Package")) and bool(status) and status[-1] in ("installed", "half-configured")


class DpkgCataloger:
    name = "dpkg"

    def catalog(self, index: FileIndex, found: Catalog) -> None:
        for entry in self._databases(index):
            try:
                text = index.image.read(entry.path, limit=STATUS_LIMIT).decode("utf-8", "replace")
            except ImageError as exc:
                found.skipped.append(Skipped(self.name, entry.path, exc.diagnostics()))
                continue
            for fields in parse_stanzas(text):
                if _installed(fields):
                    found.packages.append(self._package(index, found, entry, fields))

    @staticmethod
    def _databases(index: FileIndex) -> Iterator[FileEntry]:
        for entry in index.named("status"):
            if entry.type in ("file", "hardlink") and entry.path.endswith("/lib/dpkg/status"):
                yield entry
        for entry in index.entries:
            parent, _, base = entry.path.rpartition("/")
            if (
                parent.endswith("/lib/dpkg/status.d")
                and entry.type in ("file", "hardlink")
                and not base.startswith(".")
                and not base.endswith(NOT_STATUS)
            ):
                yield entry

    def _package(self, index: FileIndex, found: Catalog, db: FileEntry, fields: dict[str, str]) -> Package:
        name, version = fields["Package"], fields.get("Version", "")
        arch = fields.get("Architecture", "")
        source = fields.get("Source", "")
        upstream = source.replace(" (", "@").rstrip(")") if source else ""
        distro = found.distro
        root = db.path.rsplit("/lib/dpkg/", 1)[0]
        info = f"{root}/lib/dpkg/info"
        locations = [db.path]
        layer = db.layer_diff_id
        owned: frozenset[str] = frozenset()
        status_d = db.path.rpartition("/")[0] if db.path.rpartition("/")[0].endswith("status.d") else info
        candidates = (
            f"{info}/{name}:{arch}.list",
            f"{info}/{name}.list",
            f"{status_d}/{name}.md5sums",  # distroless: no .list, only md5sums beside the stanza
            f"{info}/{name}:{arch}.md5sums",
            f"{info}/{name}.md5sums",
        )
        for listing in candidates:
            list_entry = index.by_path.get(listing)
            if list_entry is None:
                continue
            layer = list_entry.layer_diff_id
            locations.append(listing)
            owned = self._owned(index, listing)
            break
        licenses: tuple[str, ...] = ()
        copyright_path = f"{root.rsplit('/var', 1)[0]}/usr/share/doc/{name}/copyright"
        if copyright_path in index.by_path:
            try:
                licenses = from_debian_copyright(index.image.read(copyright_path, limit=4 << 20))
                locations.append(copyright_path)
            except ImageError as exc:
                found.skipped.append(Skipped(self.name, copyright_path, exc.diagnostics()))
        return Package(
            name=name,
            version=version,
            purl=purl(
                "deb",
                name,
                version,
                namespace=distro.id if distro else "debian",
                arch=arch,
                distro=distro.qualifier if distro else "",
                upstream=upstream,
            ),
            found_by=self.name,
            layer_diff_id=layer,
            locations=tuple(locations),
            licenses=licenses,
            owned_files=owned,
            description=fields.get("Description", "").split("\n")[0] or None,
            supplier=fields.get("Maintainer") or None,
            properties=(("dockgate:deb:source", source),) if source else (),
        )

    @staticmethod
    def _owned(index: FileIndex, listing: str) -> frozenset[str]:
        try:
            text = index.image.read(listing, limit=64 << 20).decode("utf-8", "replace")
        except ImageError:
            return frozenset()
        if listing.endswith(".md5sums"):  # "<md5>  <path relative to />"
            return frozenset(
                "/" + line.split(None, 1)[1] for line in text.splitlines() if " " in line.strip()
            )
        return frozenset(line for line in text.splitlines() if line and line != "/.")
