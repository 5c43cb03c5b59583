"""Warm a worker before it takes jobs: RQ forks a work horse per job, which inherits what is loaded.

Without this every pipeline job pays ~3 s of imports in its horse (jsonschema's IRI grammar alone
is ~2 s) before its first stage; loaded once in the parent, the horse gets them for free.
"""

from __future__ import annotations

import importlib
import logging
import time

logger = logging.getLogger(__name__)

MODULES = (
    "workers.jobs",
    "workers.github.commits",
    "workers.service_pipeline",
    "workers.promotion_job",
    "workers.outcome_job",
    "workers.pipeline",
    "workers.sbom",
    "workers.scan",
    "workers.lint",
    "attestations.attach",
    "attestations.verify",
)


def preload() -> float:
    """Import the job modules and build the CycloneDX validator; returns the seconds it took."""
    started = time.perf_counter()
    for name in MODULES:
        importlib.import_module(name)
    from workers.sbom.validation import validate_document

    validate_document({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1})
    elapsed = time.perf_counter() - started
    logger.info("worker preloaded in %.2f s", elapsed)
    return elapsed
