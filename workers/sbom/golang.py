"""Go binaries: modules, the main module and the toolchain (`stdlib`) from embedded build info."""

from __future__ import annotations

import re

from workers.image import FileEntry, ImageError
from workers.sbom.gobuildinfo import ELF_MAGIC, BuildInfo, NotGoBinary, read_buildinfo
from workers.sbom.package import Catalog, FileIndex, Package, Skipped, purl

MIN_SIZE = 64 << 10
_LDFLAGS_VERSION = re.compile(r"-X\s+\S*?\.(?:version|Version)=v?(\d+\.\d+\.\d+\S*)")


def go_purl(module: str, version: str) -> str:
    """syft's golang purl: namespace = first two path elements, name = third, rest = subpath."""
    fields = module.split("/")
    if len(fields) == 1:
        return purl("golang", fields[0], version)
    if len(fields) == 2:
        return purl("golang", fields[1], version, namespace=fields[0])
    text = purl("golang", fields[2], version, namespace="/".join(fields[:2]))
    return f"{text}#{'/'.join(fields[3:])}" if len(fields) > 3 else text


def main_version(info: BuildInfo) -> str:
    """The main module version; `(devel)` builds fall back to `-X ...version=` in the ldflags."""
    version = info.main.version if info.main else ""
    if version and version != "(devel)":
        return version
    ldflags = dict(info.settings).get("-ldflags", "")
    match = _LDFLAGS_VERSION.search(ldflags)
    return f"v{match.group(1)}" if match else version


def _candidate(entry: FileEntry) -> bool:
    """Regular files big enough to be a Go binary, whatever their mode: the content decides
    (syft too detects executables by content, so a binary copied without `+x` still counts)."""
    return entry.type in ("file", "hardlink") and entry.size >= MIN_SIZE


class GoBinaryCataloger:
    name = "go-binary"

    def catalog(self, index: FileIndex, found: Catalog) -> None:
        for entry in index.entries:
            if not _candidate(entry):
                continue
            try:
                with index.image.open(entry.path) as stream:
                    if stream.read(len(ELF_MAGIC)) != ELF_MAGIC:  # 4 bytes decide most files
                        continue
                    info = read_buildinfo(stream)
            except NotGoBinary:
                continue
            except (ImageError, OSError, ValueError) as exc:
                found.skipped.append(Skipped(self.name, entry.path, str(exc)))
                continue
            found.packages.extend(self._packages(entry, info))

    def _packages(self, entry: FileEntry, info: BuildInfo) -> list[Package]:
        settings = tuple((f"dockgate:go:build:{k}", v) for k, v in info.settings if k in ("GOOS", "GOARCH"))
        modules = list(info.deps)
        packages = []
        if info.main and info.main.path:
            version = main_version(info)
            packages.append(self._package(entry, info.main.path, version, "application", settings))
        packages.extend(self._package(entry, m.path, m.version, "library", ()) for m in modules)
        if info.go_version:
            packages.append(
                Package(
                    name="stdlib",
                    version=info.go_version,
                    purl=purl("golang", "stdlib", info.go_version.removeprefix("go")),
                    found_by=self.name,
                    layer_diff_id=entry.layer_diff_id,
                    locations=(entry.path,),
                    licenses=("BSD-3-Clause",),
                )
            )
        return packages

    def _package(
        self, entry: FileEntry, module: str, version: str, kind: str, props: tuple[tuple[str, str], ...]
    ) -> Package:
        return Package(
            name=module,
            version=version,
            purl=go_purl(module, version if version != "(devel)" else ""),
            found_by=self.name,
            layer_diff_id=entry.layer_diff_id,
            locations=(entry.path,),
            component_type=kind,
            properties=props,
        )
