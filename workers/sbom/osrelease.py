"""The OS identity (`/etc/os-release`, falling back to `/usr/lib/os-release`), used for purl qualifiers."""

from __future__ import annotations

import shlex

from workers.image import ImageError
from workers.sbom.package import Catalog, Distro, FileIndex, Skipped

PATHS = ("/etc/os-release", "/usr/lib/os-release")


def parse_os_release(text: str) -> dict[str, str]:
    """KEY=value lines with shell quoting, as os-release(5) defines them."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, raw = line.partition("=")
        try:
            parts = shlex.split(raw)
        except ValueError:
            parts = [raw.strip("\"'")]
        values[key.strip()] = parts[0] if parts else ""
    return values


class OsReleaseCataloger:
    name = "os-release"

    def catalog(self, index: FileIndex, found: Catalog) -> None:
        for path in PATHS:
            try:
                if not index.image.exists(path):
                    continue
                entry = index.image.entry(path)
                text = index.image.read(path, limit=64 << 10).decode("utf-8", "replace")
            except ImageError as exc:
                found.skipped.append(Skipped(self.name, path, exc.diagnostics()))
                continue
            values = parse_os_release(text)
            if not values.get("ID"):
                continue
            found.distro = Distro(
                id=values["ID"],
                version_id=values.get("VERSION_ID", ""),
                pretty_name=values.get("PRETTY_NAME", values["ID"]),
                id_like=tuple(values.get("ID_LIKE", "").split()),
                version_codename=values.get("VERSION_CODENAME", ""),
                layer_diff_id=entry.layer_diff_id if entry else "",
                path=path,
            )
            return
