"""Alpine packages from `/lib/apk/db/installed`, with the files each owns (`F:` dirs + `R:` names)."""

from __future__ import annotations

from collections.abc import Iterator

from workers.image import ImageError
from workers.sbom.licenses import spdx_or_name
from workers.sbom.package import Catalog, FileIndex, Package, Skipped, purl

LIMIT = 256 << 20


def parse_installed(text: str) -> Iterator[tuple[dict[str, str], frozenset[str]]]:
    """(fields, owned files) per package block of an apk database."""
    fields: dict[str, str] = {}
    files: set[str] = set()
    directory = ""
    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if fields.get("P"):
                yield fields, frozenset(files)
            fields, files, directory = {}, set(), ""
            continue
        key, sep, value = line.partition(":")
        if not sep:
            continue
        if key == "F":
            directory = value
        elif key == "R":
            files.add(f"/{directory}/{value}" if directory else f"/{value}")
        else:
            fields.setdefault(key, value)


class ApkCataloger:
    name = "apk"

    def catalog(self, index: FileIndex, found: Catalog) -> None:
        for entry in index.named("installed"):
            if not entry.path.endswith("/lib/apk/db/installed") or entry.type not in ("file", "hardlink"):
                continue
            try:
                text = index.image.read(entry.path, limit=LIMIT).decode("utf-8", "replace")
            except ImageError as exc:
                found.skipped.append(Skipped(self.name, entry.path, exc.diagnostics()))
                continue
            distro = found.distro
            for fields, files in parse_installed(text):
                name, version = fields["P"], fields.get("V", "")
                licenses = tuple(
                    spdx_or_name(x) for x in fields.get("L", "").split() if x not in ("AND", "OR")
                )
                found.packages.append(
                    Package(
                        name=name,
                        version=version,
                        purl=purl(
                            "apk",
                            name,
                            version,
                            namespace=distro.id if distro else "alpine",
                            arch=fields.get("A", ""),
                            distro=distro.qualifier if distro else "",
                            upstream=fields.get("o", "") if fields.get("o") != name else "",
                        ),
                        found_by=self.name,
                        layer_diff_id=entry.layer_diff_id,
                        locations=(entry.path,),
                        licenses=licenses,
                        owned_files=files,
                        description=fields.get("T") or None,
                        supplier=fields.get("m") or None,
                    )
                )
