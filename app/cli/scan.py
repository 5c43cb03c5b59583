"""`dockgate scan SBOM|IMAGE` and `dockgate vulndb import|update|export|install|info`.

The scan reads a CycloneDX JSON SBOM (ours or syft's), matches it against the offline OSV database
(`--db` or DOCKGATE_VULNDB) and prints table, JSON, SARIF or the cosign vuln predicate. Exit 1 when
`--fail-on` is met (after VEX, exceptions, `--only-fixed` and `--baseline`), 0 otherwise, 2 on
usage or infrastructure errors.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from attestations.errors import UsageError

logger = logging.getLogger(__name__)
MAX_AGE_ENV = "DOCKGATE_VULNDB_MAX_AGE_DAYS"
WARN_AGE = timedelta(days=30)


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "scan",
        help="scan an SBOM or image for known vulnerabilities",
        description="Match a CycloneDX JSON SBOM against the offline OSV database. "
        "Exit 1 when --fail-on is met, 0 otherwise, 2 on usage errors.",
    )
    parser.add_argument(
        "target", help="CycloneDX JSON SBOM file, or an image: engine name, docker-archive:TAR, registry:REF"
    )
    parser.add_argument("--db", help="vulnerability database file (default: $DOCKGATE_VULNDB)")
    parser.add_argument(
        "--vex", action="append", default=[], metavar="FILE", help="OpenVEX document (repeatable)"
    )
    parser.add_argument(
        "--exceptions",
        metavar="FILE",
        help="JSON/YAML list of {vulnerability, owner, expires, reason, package}",
    )
    parser.add_argument("--fail-on", metavar="SEVERITY", help="unknown|none|low|medium|high|critical")
    parser.add_argument("--only-fixed", action="store_true", help="gate only on findings that have a fix")
    parser.add_argument(
        "--baseline", metavar="FILE", help="JSON report of the last promoted image: gate on new only"
    )
    parser.add_argument("--format", choices=("table", "json", "sarif", "predicate"), default="table")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the document here instead of stdout")
    parser.add_argument(
        "--max-db-age",
        type=int,
        metavar="DAYS",
        help=f"refuse an older DB snapshot (default: ${MAX_AGE_ENV})",
    )
    parser.add_argument(
        "--allow-stale-db", action="store_true", help="scan even when the DB is older than the limit"
    )
    parser.add_argument(
        "--registry-credentials",
        type=Path,
        default=os.environ.get("DOCKGATE_REGISTRY_CREDENTIALS") or None,
        help="JSON credentials file for registry:REF ($DOCKGATE_REGISTRY_CREDENTIALS)",
    )
    parser.set_defaults(func=run_scan)

    vulndb = commands.add_parser(
        "vulndb",
        help="manage the offline OSV vulnerability database",
        description="Build, refresh, export and install the offline OSV vulnerability database.",
    )
    sub = vulndb.add_subparsers(dest="vulndb_command", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="add OSV JSON/YAML files, folders or all.zip exports")
    imp.add_argument("paths", nargs="+", type=Path)
    imp.add_argument("--db", required=True, type=Path)
    imp.add_argument("--fresh", action="store_true", help="start a new database instead of extending it")
    imp.set_defaults(func=run_import)
    upd = sub.add_parser("update", help="rebuild from osv.dev's per-ecosystem all.zip exports (online)")
    upd.add_argument("--db", required=True, type=Path)
    upd.add_argument(
        "--ecosystem", action="append", help="ecosystem to fetch (repeatable; default: common ones)"
    )
    upd.add_argument("--base-url", default=None, help="mirror of osv-vulnerabilities.storage.googleapis.com")
    upd.set_defaults(func=run_update)
    exp = sub.add_parser("export", help="write the database and a sha256 manifest for air-gapped sites")
    exp.add_argument("--db", required=True, type=Path)
    exp.add_argument("--out", required=True, type=Path, help="bundle folder")
    exp.set_defaults(func=run_export)
    ins = sub.add_parser("install", help="verify an exported bundle and install it atomically")
    ins.add_argument("bundle", type=Path)
    ins.add_argument("--db", required=True, type=Path)
    ins.set_defaults(func=run_install)
    info = sub.add_parser("info", help="print the database's snapshot (sources, sha256, newest record)")
    info.add_argument("--db", type=Path, help="default: $DOCKGATE_VULNDB")
    info.set_defaults(func=run_info)


def _db_path(value: str | Path | None) -> Path:
    path = value or os.environ.get("DOCKGATE_VULNDB")
    if not path:
        raise UsageError("no vulnerability database: pass --db FILE or set DOCKGATE_VULNDB")
    return Path(path)


def _max_age(args: argparse.Namespace) -> timedelta | None:
    days = args.max_db_age
    if days is None and os.environ.get(MAX_AGE_ENV, "").strip():
        try:
            days = int(os.environ[MAX_AGE_ENV])
        except ValueError:
            raise UsageError(f"{MAX_AGE_ENV} must be a number of days") from None
    if args.allow_stale_db or not days:
        return None
    return timedelta(days=days)


def _load_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {what} {path}: {exc}") from exc


def _looks_like_file(target: str) -> bool:
    """A name no image reference can have: a `.json` file name or an explicit path."""
    return target.lower().endswith(".json") or target.startswith(("/", "./", "../", "~"))


def _load_bom(target: str, registry_credentials: Path | None) -> dict[str, Any]:
    """A CycloneDX JSON file, or the SBOM of an image (engine name, docker-archive:TAR, registry:REF)."""
    path = Path(target).expanduser()
    if not target.startswith(("docker-archive:", "registry:")) and (
        path.exists() or _looks_like_file(target)
    ):
        if not path.is_file():
            state = "is a directory" if path.is_dir() else "does not exist"
            raise UsageError(f"SBOM file {target} {state}: pass a CycloneDX JSON file or an image")
        bom = _load_json(path, "SBOM")
        if not isinstance(bom, dict):
            raise UsageError(f"{path} is not a CycloneDX JSON SBOM")
        return bom
    if target.startswith("docker-archive:") and not Path(target[len("docker-archive:") :]).is_file():
        raise UsageError(f"{target}: no such archive; create it with `docker save IMAGE -o FILE`")
    from workers.sbom import generate_sbom

    return generate_sbom(target, registry_credentials=registry_credentials)


def _load_baseline(path: str | None) -> Any:
    from workers.scan.gate import check_baseline

    if not path:
        return None
    return check_baseline(_load_json(Path(path), "baseline report"), f"baseline report {path}")


def _exceptions(path: str | None) -> list[Any]:
    from workers.scan import parse_exception

    if not path:
        return []
    try:
        raw = yaml.safe_load(Path(path).read_text())
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise UsageError(f"cannot read exceptions file {path}: {exc}") from exc
    items = raw.get("exceptions", raw) if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise UsageError(f"{path}: expected a list of exceptions")
    out = []
    for index, item in enumerate(items):
        try:
            out.append(parse_exception(item))
        except UsageError as exc:
            raise UsageError(f"{path}: exception {index}: {exc.diagnostics()}") from None
    return out


def _emit(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text)
    else:
        sys.stdout.write(text)


def run_scan(args: argparse.Namespace) -> int:
    from workers.scan import gate, load_openvex, open_db, scan_bom
    from workers.scan.output import report_table
    from workers.scan.severity import level_rank

    if args.fail_on:
        try:
            level_rank(args.fail_on)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    vex = [st for path in args.vex for st in load_openvex(Path(path))]
    exceptions = _exceptions(args.exceptions)
    baseline = _load_baseline(args.baseline)
    max_age = _max_age(args)
    db_path = _db_path(args.db)
    bom = _load_bom(args.target, args.registry_credentials)
    db = open_db(db_path)
    try:
        report = scan_bom(bom, db, vex=vex, exceptions=exceptions, max_age=max_age)
    finally:
        db.close()
    snapshot = report.db.get("snapshot") or "unknown"
    print(f"vulnerability DB snapshot: {snapshot}", file=sys.stderr)
    taken = datetime.fromisoformat(snapshot.replace("Z", "+00:00")) if snapshot != "unknown" else None
    if taken and datetime.now(UTC) - taken > WARN_AGE:
        logger.warning("vulnerability DB snapshot %s is older than %d days", snapshot, WARN_AGE.days)
    if args.format == "json":
        _emit(json.dumps(report.to_json(), indent=2) + "\n", args.output)
    elif args.format == "sarif":
        _emit(json.dumps(report.to_sarif(args.target), indent=2) + "\n", args.output)
    elif args.format == "predicate":
        _emit(json.dumps(report.to_predicate(), indent=2) + "\n", args.output)
    else:
        _emit(report_table(report) + "\n", args.output)
    if not args.fail_on:
        return 0
    result = gate(report, fail_on=args.fail_on, only_fixed=args.only_fixed, baseline=baseline)
    for reason in result.reasons:
        print(f"gate: {reason}", file=sys.stderr)
    return 1 if result.failed else 0


def _print_stats(stats: Any, db: Path) -> None:
    print(
        f"{db}: {stats.records} records imported ({stats.indexed_packages} package entries, "
        f"{stats.unindexed} without a package, {stats.withdrawn} withdrawn), "
        f"{len(stats.errors) - stats.invalid} unreadable files, {stats.invalid} invalid records skipped"
    )
    for error in stats.errors[:20]:
        print(f"  skipped {error}", file=sys.stderr)
    for name, source in stats.sources.items():
        print(
            f"  {name}: {source['records']} records, newest {source['newest_modified']}, "
            f"sha256 {source['sha256']}"
        )


def run_import(args: argparse.Namespace) -> int:
    from workers.vulndb import import_sources

    _print_stats(import_sources(args.paths, args.db, fresh=args.fresh), args.db)
    return 0


def run_update(args: argparse.Namespace) -> int:
    from workers.vulndb.bundle import DEFAULT_ECOSYSTEMS, OSV_EXPORT_BASE, update

    ecosystems = args.ecosystem or list(DEFAULT_ECOSYSTEMS)
    _print_stats(update(args.db, ecosystems, base_url=args.base_url or OSV_EXPORT_BASE), args.db)
    return 0


def run_export(args: argparse.Namespace) -> int:
    from workers.vulndb.bundle import export

    print(json.dumps(export(args.db, args.out), indent=2))
    return 0


def run_install(args: argparse.Namespace) -> int:
    from workers.vulndb.bundle import install

    print(json.dumps(install(args.bundle, args.db), indent=2))
    return 0


def run_info(args: argparse.Namespace) -> int:
    from workers.vulndb import open_db

    db = open_db(_db_path(args.db))
    try:
        print(json.dumps(db.snapshot().to_dict(), indent=2))
    finally:
        db.close()
    return 0
