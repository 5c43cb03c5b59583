"""Moving databases to where they are used: osv.dev downloads and air-gap bundles.

`update` fetches osv.dev's per-ecosystem `all.zip` exports (when online) and rebuilds the
database from them atomically. `export` writes the database plus a manifest (sha256, size,
snapshot) that `install` verifies on the air-gapped side before atomically replacing its copy.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import requests

from attestations.errors import TransientError
from workers.vulndb.importer import ImportStats, import_sources
from workers.vulndb.store import VulnDBError, open_db

logger = logging.getLogger(__name__)

OSV_EXPORT_BASE = "https://osv-vulnerabilities.storage.googleapis.com"
DEFAULT_ECOSYSTEMS = ("PyPI", "npm", "Go", "Maven", "crates.io", "Debian", "Alpine", "Ubuntu")
BUNDLE_DB = "vulndb.sqlite"
BUNDLE_MANIFEST = "manifest.json"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_exports(
    ecosystems: Sequence[str], into: Path, *, base_url: str = OSV_EXPORT_BASE, timeout: float = 60.0
) -> list[Path]:
    """Download `<base>/<ecosystem>/all.zip` for each ecosystem; TransientError when offline."""
    paths = []
    with requests.Session() as session:
        for ecosystem in ecosystems:
            url = f"{base_url.rstrip('/')}/{ecosystem}/all.zip"
            target = into / f"{ecosystem.replace('/', '_')}-all.zip"
            try:
                with session.get(url, stream=True, timeout=timeout) as response:
                    response.raise_for_status()
                    with target.open("wb") as out:
                        shutil.copyfileobj(response.raw, out)
            except requests.RequestException as exc:
                raise TransientError(
                    f"cannot download {url} ({exc.__class__.__name__}): go online, or build the database "
                    "offline with `dockgate vulndb import` / `install` of an exported bundle"
                ) from exc
            logger.info("downloaded %s (%d bytes)", url, target.stat().st_size)
            paths.append(target)
    return paths


def update(
    db_path: Path, ecosystems: Sequence[str] = DEFAULT_ECOSYSTEMS, *, base_url: str = OSV_EXPORT_BASE
) -> ImportStats:
    """Rebuild `db_path` from fresh osv.dev exports; the old file stays until the new one is whole."""
    with tempfile.TemporaryDirectory(prefix="dockgate-osv-") as tmp:
        zips = download_exports(ecosystems, Path(tmp), base_url=base_url)
        urls = [f"{base_url.rstrip('/')}/{e}/all.zip" for e in ecosystems]
        return import_sources(zips, db_path, fresh=True, labels=urls)


def export(db_path: Path, out_dir: Path) -> dict[str, Any]:
    """Write `out_dir/vulndb.sqlite` and its manifest for carrying to an air-gapped site."""
    db = open_db(db_path)
    try:
        snapshot = db.snapshot().to_dict()
    finally:
        db.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / BUNDLE_DB
    shutil.copyfile(db_path, target)
    snapshot.pop("path", None)
    manifest = {"file": BUNDLE_DB, "sha256": _sha256(target), "size": target.stat().st_size, "db": snapshot}
    (out_dir / BUNDLE_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def install(bundle_dir: Path, db_path: Path) -> dict[str, Any]:
    """Verify a bundle against its manifest, then atomically replace `db_path` with it."""
    try:
        manifest = json.loads((bundle_dir / BUNDLE_MANIFEST).read_text())
        source = bundle_dir / str(manifest["file"])
    except (OSError, ValueError, KeyError) as exc:
        raise VulnDBError(f"{bundle_dir} is not a vulndb bundle (manifest.json unreadable): {exc}") from exc
    actual = _sha256(source)
    if actual != manifest.get("sha256"):
        raise VulnDBError(
            f"bundle {source} has sha256 {actual}, manifest says {manifest.get('sha256')}: re-copy it"
        )
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{db_path.name}.", dir=db_path.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        open_db(tmp).close()  # refuses a file of another schema before it replaces anything
        os.replace(tmp, db_path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return dict(manifest)
