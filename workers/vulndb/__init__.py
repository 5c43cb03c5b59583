"""The offline OSV vulnerability database: import (files, folders, all.zip), snapshot, export."""

from workers.vulndb.importer import ImportStats, import_sources
from workers.vulndb.store import Snapshot, VulnDB, VulnDBError, open_db

__all__ = ["ImportStats", "Snapshot", "VulnDB", "VulnDBError", "import_sources", "open_db"]
