"""Shared fixtures: a database built once per session from the real OSV records in ../shared/vulndb."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from workers.vulndb import VulnDB, import_sources, open_db

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
VULNDB_DIR = SHARED / "vulndb"
SBOMS = SHARED / "sbom-baseline" / "syft-1.18.1"


@pytest.fixture(scope="session")
def shared_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not VULNDB_DIR.is_dir():
        pytest.skip(f"{VULNDB_DIR} is missing")
    path = tmp_path_factory.mktemp("vulndb") / "osv.sqlite"
    import_sources([VULNDB_DIR], path)
    return path


@pytest.fixture(scope="session")
def shared_db(shared_db_path: Path) -> Iterator[VulnDB]:
    db = open_db(shared_db_path)
    yield db
    db.close()


@pytest.fixture(scope="session")
def vulndb_dir() -> Path:
    return VULNDB_DIR


@pytest.fixture(scope="session")
def syft_sbom() -> Callable[[str], dict[str, Any]]:
    """Loader of syft 1.18.1's CycloneDX SBOMs of the baseline images (pyapp, nodeapp, misc, ...)."""

    def load(name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((SBOMS / f"{name}.archive.cdx.json").read_text())
        return data

    return load


@pytest.fixture(scope="session")
def make_bom() -> Callable[..., dict[str, Any]]:
    """Builds a minimal CycloneDX 1.6 document from (purl, {property: value}) pairs."""

    def build(*items: str | tuple[str, dict[str, str]]) -> dict[str, Any]:
        components = []
        for item in items:
            purl, props = (item, {}) if isinstance(item, str) else item
            components.append(
                {
                    "type": "library",
                    "name": purl.split("/")[-1].split("@")[0],
                    "purl": purl,
                    "properties": [{"name": k, "value": v} for k, v in props.items()],
                }
            )
        return {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": components}

    return build
