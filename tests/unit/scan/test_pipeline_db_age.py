"""DOCKGATE_VULNDB_MAX_AGE_DAYS reaches the pipeline's scan: a stale DB fails the stage, clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers import backends
from workers.pipeline import _scan, _Timer
from workers.repoconfig import ImageSpec, RepoConfig
from workers.scan import VulnDB
from workers.settings import Settings
from workers.vulndb.store import VulnDBError

BOM = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": []}


def test_a_db_older_than_the_configured_age_is_refused(shared_db: VulnDB, tmp_path: Path) -> None:
    settings = Settings.from_env({"DOCKGATE_VULNDB_MAX_AGE_DAYS": "30"})
    cfg = backends.pipeline_config(settings, None, registry=None, vulndb=shared_db)
    assert cfg.vulndb_max_age is not None and cfg.vulndb_max_age.days == 30
    with pytest.raises(VulnDBError, match="older than 30 days"):  # the shared records are from 2024
        _scan(ImageSpec(name="app"), BOM, RepoConfig(), tmp_path, cfg, _Timer(lambda _stage: None))
    unlimited = backends.pipeline_config(Settings.from_env({}), None, registry=None, vulndb=shared_db)
    report, gate = _scan(
        ImageSpec(name="app"), BOM, RepoConfig(), tmp_path, unlimited, _Timer(lambda _s: None)
    )
    assert report is not None and gate is not None and not gate.failed
