"""Vulnerability scanning of CycloneDX SBOMs against the offline OSV database (no network).

Public API: :func:`open_db`, :func:`scan_bom`, :class:`ScanReport` (``to_json``, ``to_sarif``,
``to_predicate``), :func:`gate`, the VEX/exception values fed to ``scan_bom``, and
:class:`OsvScanner`, the backend of the pipeline's :class:`Scanner` protocol.
"""

from workers.scan.gate import GateResult, gate
from workers.scan.model import Finding, Routed, ScanReport, Skipped, Suppression
from workers.scan.output import PREDICATE_TYPE
from workers.scan.scanner import OsvScanner, Scanner, scan_bom
from workers.scan.vex import ScanException, VexStatement, load_openvex, parse_exception, parse_openvex
from workers.vulndb.store import VulnDB, VulnDBError, open_db

__all__ = [
    "PREDICATE_TYPE", "Finding", "GateResult", "OsvScanner", "Routed", "ScanException", "ScanReport",
    "Scanner", "Skipped", "Suppression", "VexStatement", "VulnDB", "VulnDBError", "gate", "load_openvex",
    "open_db", "parse_exception", "parse_openvex", "scan_bom",
]  # fmt: skip
