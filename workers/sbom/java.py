"""Java archives: `META-INF/maven/*/*/pom.properties` (every bundled artifact) and, when a jar has
none, `META-INF/MANIFEST.MF` (Implementation/Bundle names and versions); licences from
`Bundle-License`. Nested archives (`.war` `WEB-INF/lib/*.jar`, Spring Boot `BOOT-INF/lib/*.jar`,
`.ear` modules) are read in memory, bounded in depth and size; nothing is written anywhere.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from typing import IO

from workers.image import FileEntry, ImageError
from workers.sbom.licenses import spdx_or_name
from workers.sbom.package import Catalog, FileIndex, Package, Skipped, purl

SUFFIXES = (".jar", ".war", ".ear", ".jpi", ".hpi")
APPLICATIONS = (".war", ".ear")  # the deployable itself: its name alone says nothing about a library
MAX_MEMBER = 1 << 20  # pom.properties, MANIFEST.MF
MAX_DEPTH = 3  # archive in archive in archive (jar in war in ear) and no deeper
MAX_NESTED = 64 << 20  # one nested archive, read into memory
MAX_NESTED_TOTAL = 1 << 30  # nested bytes read for one archive of the image, all levels together
_VERSIONED = re.compile(r"^(?P<name>.+?)-(?P<version>\d[\w.+-]*)$")
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    ValueError,
    KeyError,
    RuntimeError,  # encrypted members
    NotImplementedError,  # compression methods zipfile lacks
    EOFError,
    zlib.error,
)
_LICENSE_URLS = {
    "apache.org/licenses/license-2.0": "Apache-2.0",
    "opensource.org/licenses/mit": "MIT",
    "opensource.org/licenses/bsd-3-clause": "BSD-3-Clause",
    "eclipse.org/legal/epl-2.0": "EPL-2.0",
    "eclipse.org/legal/epl-v20": "EPL-2.0",
    "eclipse.org/legal/epl-v10": "EPL-1.0",
}


def parse_properties(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")) and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def parse_manifest(text: str) -> dict[str, str]:
    """The main section of a MANIFEST.MF (per-entry sections after the first blank line are ignored)."""
    values: dict[str, str] = {}
    key = ""
    for line in text.splitlines():
        if not line.strip() and values:
            break
        if line.startswith(" ") and key:
            values[key] += line[1:]
        elif ":" in line:
            key, _, value = line.partition(":")
            values[key.strip()] = value.strip()
    return values


def bundle_licenses(value: str) -> tuple[str, ...]:
    """`Bundle-License`: a comma list of names or URLs, each with optional `;attr=...` parameters."""
    found: set[str] = set()
    for item in re.split(r',(?=(?:[^"]*"[^"]*")*[^"]*$)', value):
        name = item.split(";", 1)[0].strip().strip('"').strip()
        if not name:
            continue
        lowered = re.sub(r"^https?://(www\.)?", "", name.lower()).removesuffix(".txt").removesuffix(".html")
        name = next((spdx for url, spdx in _LICENSE_URLS.items() if lowered.startswith(url)), name)
        found.add(spdx_or_name(name))
    return tuple(sorted(found))


@dataclass
class _Budget:
    """Nested bytes still allowed for one archive of the image (shared by every level)."""

    left: int
    skipped: list[Skipped] = field(default_factory=list)


class JavaCataloger:
    name = "java-archive"

    def catalog(self, index: FileIndex, found: Catalog) -> None:
        for entry in index.entries:
            if entry.type not in ("file", "hardlink") or not entry.path.lower().endswith(SUFFIXES):
                continue
            budget = _Budget(MAX_NESTED_TOTAL)
            try:
                with index.image.open(entry.path) as stream:
                    found.packages.extend(self._archive(entry, stream, entry.path, 0, budget))
            except (ImageError, *_ZIP_ERRORS) as exc:
                found.skipped.append(Skipped(self.name, entry.path, f"unreadable archive: {exc}"))
            found.skipped.extend(budget.skipped)

    def _archive(
        self, entry: FileEntry, stream: IO[bytes], virtual: str, depth: int, budget: _Budget
    ) -> list[Package]:
        with zipfile.ZipFile(stream) as archive:
            manifest = self._manifest(archive)
            packages = self._poms(entry, archive, virtual)
            if not packages:
                packages = self._from_manifest(entry, virtual, manifest)
            licenses = bundle_licenses(manifest.get("Bundle-License", ""))
            if licenses and len(packages) == 1:
                packages = [replace(packages[0], licenses=licenses)]
            for info in archive.infolist():
                if info.filename.lower().endswith(SUFFIXES) and not info.is_dir():
                    where = f"{virtual}:{info.filename}"
                    packages.extend(self._nested(entry, archive, info, where, depth, budget))
        return packages

    def _nested(
        self,
        entry: FileEntry,
        archive: zipfile.ZipFile,
        info: zipfile.ZipInfo,
        virtual: str,
        depth: int,
        budget: _Budget,
    ) -> list[Package]:
        why = ""
        if depth + 1 >= MAX_DEPTH:
            why = f"nested more than {MAX_DEPTH} archives deep: not read"
        elif info.file_size > MAX_NESTED:
            why = f"nested archive of {info.file_size} bytes, over the {MAX_NESTED}-byte limit: not read"
        elif info.file_size > budget.left:
            why = f"the archive's nested archives exceed {MAX_NESTED_TOTAL} bytes in all: not read"
        if why:
            budget.skipped.append(Skipped(self.name, virtual, why))
            return []
        budget.left -= info.file_size
        try:
            with archive.open(info) as member:
                data = member.read(info.file_size + 1)  # ZipExtFile stops at the declared size
            return self._archive(entry, io.BytesIO(data), virtual, depth + 1, budget)
        except _ZIP_ERRORS as exc:
            budget.skipped.append(Skipped(self.name, virtual, f"unreadable nested archive: {exc}"))
            return []

    def _poms(self, entry: FileEntry, archive: zipfile.ZipFile, virtual: str) -> list[Package]:
        packages = []
        for info in archive.infolist():
            name = info.filename
            if name.startswith("META-INF/maven/") and name.endswith("/pom.properties"):
                if info.file_size > MAX_MEMBER:
                    continue
                props = parse_properties(archive.read(info).decode("utf-8", "replace"))
                group, artifact, version = props.get("groupId"), props.get("artifactId"), props.get("version")
                if group and artifact and version:
                    packages.append(self._package(entry, group, artifact, version, f"{virtual}:{name}"))
        return packages

    @staticmethod
    def _manifest(archive: zipfile.ZipFile) -> dict[str, str]:
        try:
            info = archive.getinfo("META-INF/MANIFEST.MF")
        except KeyError:
            return {}
        if info.file_size > MAX_MEMBER:
            return {}
        return parse_manifest(archive.read(info).decode("utf-8", "replace"))

    def _from_manifest(self, entry: FileEntry, virtual: str, manifest: dict[str, str]) -> list[Package]:
        """A jar without pom.properties: name and version from its file name or manifest (as syft).
        A `.war`/`.ear` needs a manifest version, and its group is never made up from its name."""
        filename = virtual.rpartition(":")[2].rpartition("/")[2]
        application = filename.lower().endswith(APPLICATIONS)
        stem = filename.rsplit(".", 1)[0]
        match = None if application else _VERSIONED.match(stem)
        title = manifest.get("Implementation-Title") or manifest.get("Bundle-Name") or ""
        artifact = match.group("name") if match else (title if application and title else stem)
        version = (
            manifest.get("Implementation-Version")
            or manifest.get("Bundle-Version")
            or manifest.get("Specification-Version")
            or (match.group("version") if match else "")
        )
        if not version or not artifact:
            return []
        group = manifest.get("Implementation-Vendor-Id") or manifest.get("Bundle-SymbolicName", "")
        group = group.split(";")[0].strip()
        if group.endswith(f".{artifact}"):
            group = group[: -len(artifact) - 1]
        if not group and not application:
            group = artifact  # syft's choice for a plain jar, kept so its purls match
        return [self._package(entry, group, artifact, version, virtual)]

    def _package(self, entry: FileEntry, group: str, artifact: str, version: str, where: str) -> Package:
        return Package(
            name=artifact,
            version=version,
            purl=purl("maven", artifact, version, namespace=group or None),
            found_by=self.name,
            layer_diff_id=entry.layer_diff_id,
            locations=(entry.path,) if where == entry.path else (entry.path, where),
            owned_files=frozenset({entry.path}),
            properties=(("dockgate:java:virtual-path", where),),
        )
