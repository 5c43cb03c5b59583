"""Installed Python distributions: `*.dist-info/METADATA` (+ RECORD) and `*.egg-info` (dir or file)."""

from __future__ import annotations

import csv
import io
import posixpath
from email.parser import HeaderParser
from email.policy import compat32

from workers.image import FileEntry, ImageError
from workers.sbom.licenses import spdx_or_name
from workers.sbom.package import Catalog, FileIndex, Package, Skipped, purl

LIMIT = 8 << 20


def _records(index: FileIndex) -> list[tuple[FileEntry, str]]:
    """(metadata file, distribution directory) for every installed distribution."""
    found = [
        (entry, entry.path.rpartition("/")[0])
        for basename, suffix in (("METADATA", ".dist-info"), ("PKG-INFO", ".egg-info"))
        for entry in index.named(basename)
        if entry.path.rpartition("/")[0].endswith(suffix)
    ]
    for name, entries in index.by_name.items():
        if name.endswith(".egg-info"):
            found.extend((e, e.path) for e in entries if e.type == "file")
    return found


def licenses_of(meta: dict[str, str], classifiers: list[str]) -> tuple[str, ...]:
    """License-Expression, else the License field, else the trove classifiers."""
    if meta.get("License-Expression"):
        return (meta["License-Expression"].strip(),)
    text = (meta.get("License") or "").strip()
    if text and text.upper() != "UNKNOWN" and "\n" not in text and len(text) < 80:
        return (spdx_or_name(text),)
    names = [
        c.rsplit("::", 1)[1].strip() for c in classifiers if c.startswith("License ::") and "::" in c[10:]
    ]
    return tuple(sorted({n for n in names if n and n != "OSI Approved"}))


class PythonCataloger:
    name = "python"

    def catalog(self, index: FileIndex, found: Catalog) -> None:
        for entry, dist_dir in _records(index):
            try:
                raw = index.image.read(entry.path, limit=LIMIT).decode("utf-8", "replace")
            except ImageError as exc:
                found.skipped.append(Skipped(self.name, entry.path, exc.diagnostics()))
                continue
            message = HeaderParser(policy=compat32).parsestr(raw, headersonly=True)
            name, version = message.get("Name"), message.get("Version")
            if not name or not version:
                found.skipped.append(Skipped(self.name, entry.path, "metadata has no Name or Version"))
                continue
            meta = {k: str(v) for k, v in message.items()}
            locations = [entry.path]
            owned = self._record(index, dist_dir, locations)
            found.packages.append(
                Package(
                    name=str(name),
                    version=str(version),
                    purl=purl("pypi", str(name).lower(), str(version)),
                    found_by=self.name,
                    layer_diff_id=entry.layer_diff_id,
                    locations=tuple(locations),
                    licenses=licenses_of(meta, [str(c) for c in message.get_all("Classifier") or []]),
                    owned_files=owned,
                    description=meta.get("Summary") or None,
                    supplier=meta.get("Author-email") or meta.get("Author") or None,
                    properties=(("dockgate:python:site-packages", posixpath.dirname(dist_dir)),),
                )
            )

    @staticmethod
    def _record(index: FileIndex, dist_dir: str, locations: list[str]) -> frozenset[str]:
        record = f"{dist_dir}/RECORD"
        if record not in index.by_path:
            return frozenset({dist_dir}) if dist_dir.endswith(".egg-info") else frozenset()
        try:
            text = index.image.read(record, limit=LIMIT).decode("utf-8", "replace")
        except ImageError:
            return frozenset()
        locations.append(record)
        site = posixpath.dirname(dist_dir)
        files = set()
        for row in csv.reader(io.StringIO(text)):
            if row and row[0]:
                files.add(posixpath.normpath(posixpath.join(site, row[0])))
        return frozenset(files)
