"""The SQLite layout of the offline vulnerability database (one file, read-only at scan time).

Records are decomposed at import so a scan never parses YAML or whole OSV documents: `affected`
is indexed by (ecosystem, name) and carries only what the range algorithm needs, `vuln` carries
what a finding shows. `source` keeps, per imported source, its sha256 and newest `modified` —
the snapshot identity printed with every report.
"""

from __future__ import annotations

SCHEMA_VERSION = "1"

DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE source (
    name TEXT PRIMARY KEY, sha256 TEXT NOT NULL, records INTEGER NOT NULL,
    newest_modified TEXT, imported_at TEXT NOT NULL
);
CREATE TABLE vuln (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, modified TEXT, published TEXT, withdrawn TEXT,
    summary TEXT NOT NULL, aliases TEXT NOT NULL, severity TEXT NOT NULL, db_severity TEXT,
    refs TEXT NOT NULL
);
CREATE TABLE affected (
    vuln_id TEXT NOT NULL, ecosystem TEXT NOT NULL, release TEXT NOT NULL, name TEXT NOT NULL,
    ranges TEXT NOT NULL, versions TEXT NOT NULL
);
CREATE INDEX affected_package ON affected (ecosystem, name);
CREATE INDEX affected_vuln ON affected (vuln_id);
CREATE TABLE alias (alias TEXT NOT NULL, vuln_id TEXT NOT NULL);
CREATE INDEX alias_name ON alias (alias);
"""
