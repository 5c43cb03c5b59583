"""Java archives: `META-INF/maven/*/*/pom.properties` (every bundled artifact) and, when a jar has
none, `META-INF/MANIFEST.MF` (Implementation/Bundle names and versions)."""

from __future__ import annotations

import re
import zipfile

from workers.image import FileEntry, ImageError
from workers.sbom.package import Catalog, FileIndex, Package, Skipped, purl

SUFFIXES = (".jar", ".war", ".ear", ".jpi", ".hpi")
MAX_MEMBER = 1 << 20
_VERSIONED = re.compile(r"^(?P<name>.+?)-(?P<version>\d[\w.+-]*)$")


def parse_properties(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")) and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def parse_manifest(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    key = ""
    for line in text.splitlines():
        if line.startswith(" ") and key:
            values[key] += line[1:]
        elif ":" in line:
            key, _, value = line.partition(":")
            values[key.strip()] = value.strip()
    return values


class JavaCataloger:
    name = "java-archive"

    def catalog(self, index: FileIndex, found: Catalog) -> None:
        for entry in index.entries:
            if entry.type not in ("file", "hardlink") or not entry.path.lower().endswith(SUFFIXES):
                continue
            try:
                with index.image.open(entry.path) as stream, zipfile.ZipFile(stream) as archive:
                    found.packages.extend(self._archive(entry, archive))
            except (ImageError, zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
                found.skipped.append(Skipped(self.name, entry.path, f"unreadable archive: {exc}"))

    def _archive(self, entry: FileEntry, archive: zipfile.ZipFile) -> list[Package]:
        packages = []
        for info in archive.infolist():
            name = info.filename
            if name.startswith("META-INF/maven/") and name.endswith("/pom.properties"):
                if info.file_size > MAX_MEMBER:
                    continue
                props = parse_properties(archive.read(info).decode("utf-8", "replace"))
                group, artifact, version = props.get("groupId"), props.get("artifactId"), props.get("version")
                if group and artifact and version:
                    packages.append(self._package(entry, group, artifact, version, f"{entry.path}:{name}"))
        if packages:
            return packages
        try:
            info = archive.getinfo("META-INF/MANIFEST.MF")
        except KeyError:
            return []
        if info.file_size > MAX_MEMBER:
            return []
        manifest = parse_manifest(archive.read(info).decode("utf-8", "replace"))
        return self._from_manifest(entry, manifest)

    def _from_manifest(self, entry: FileEntry, manifest: dict[str, str]) -> list[Package]:
        stem = entry.path.rpartition("/")[2].rsplit(".", 1)[0]
        match = _VERSIONED.match(stem)
        artifact = match.group("name") if match else stem
        version = (
            manifest.get("Implementation-Version")
            or manifest.get("Bundle-Version")
            or manifest.get("Specification-Version")
            or (match.group("version") if match else "")
        )
        if not version:
            return []
        group = manifest.get("Implementation-Vendor-Id") or manifest.get("Bundle-SymbolicName", "")
        group = group.split(";")[0].strip()
        if group.endswith(f".{artifact}"):
            group = group[: -len(artifact) - 1]
        return [self._package(entry, group or artifact, artifact, version, entry.path)]

    def _package(self, entry: FileEntry, group: str, artifact: str, version: str, where: str) -> Package:
        return Package(
            name=artifact,
            version=version,
            purl=purl("maven", artifact, version, namespace=group),
            found_by=self.name,
            layer_diff_id=entry.layer_diff_id,
            locations=(entry.path,) if where == entry.path else (entry.path, where),
            owned_files=frozenset({entry.path}),
            properties=(("dockgate:java:virtual-path", where),),
        )
