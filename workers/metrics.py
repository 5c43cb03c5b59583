"""Prometheus metrics of the pipeline (stage timings, verdicts).

Workers are separate processes: with PROMETHEUS_MULTIPROC_DIR set (the same folder for the API
server and the workers of one host), the server's `/metrics` aggregates these series too.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

STAGE_SECONDS = Histogram(
    "dockgate_pipeline_stage_seconds",
    "Time spent in each pipeline stage",
    ["stage", "status"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900),
)
VERDICTS = Counter("dockgate_pipeline_verdicts_total", "Images checked, by conclusion", ["conclusion"])
