"""Binaries that carry their version as a string and no package record (busybox on scratch images).

Deliberately small: each rule names the file it applies to and the version pattern it trusts, so
no generic guess (syft's `gzip@1.0` in busybox) is reported. Binaries an OS package owns are
skipped (their package is reported instead).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workers.image import ImageError
from workers.sbom.package import Catalog, Distro, FileIndex, Package, Skipped, purl


@dataclass(frozen=True)
class Rule:
    name: str
    basenames: tuple[str, ...]
    pattern: re.Pattern[bytes]


RULES = (Rule("busybox", ("busybox",), re.compile(rb"BusyBox v(\d+\.\d+(?:\.\d+)?)")),)


class BinaryCataloger:
    name = "binary"

    def catalog(self, index: FileIndex, found: Catalog) -> None:
        owned = {path for package in found.packages for path in package.owned_files}
        for rule in RULES:
            for basename in rule.basenames:
                for entry in index.named(basename):
                    if entry.type not in ("file", "hardlink") or entry.path in owned:
                        continue
                    try:
                        data = index.image.read(entry.path, limit=256 << 20)
                    except ImageError as exc:
                        found.skipped.append(Skipped(self.name, entry.path, exc.diagnostics()))
                        continue
                    match = rule.pattern.search(data)
                    if match is None:
                        continue
                    version = match.group(1).decode()
                    found.packages.append(
                        Package(
                            name=rule.name,
                            version=version,
                            purl=purl("generic", rule.name, version),
                            found_by=self.name,
                            layer_diff_id=entry.layer_diff_id,
                            locations=(entry.path,),
                            component_type="application",
                        )
                    )
                    if found.distro is None and rule.name == "busybox":
                        found.distro = Distro("busybox", version, f"BusyBox v{version}", path=entry.path)
