"""`dockgate scan` and `dockgate vulndb` end to end through the CLI entry point (exit codes 0/1/2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main

NODEAPP = (
    Path(__file__).resolve().parents[3].parent / "shared/sbom-baseline/syft-1.18.1/nodeapp.archive.cdx.json"
)


@pytest.fixture(autouse=True)
def _no_env_db(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKGATE_VULNDB", raising=False)
    monkeypatch.delenv("DOCKGATE_VULNDB_MAX_AGE_DAYS", raising=False)


def test_import_then_scan_json(
    tmp_path: Path, vulndb_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "osv.sqlite"
    assert main(["vulndb", "import", str(vulndb_dir), "--db", str(db)]) == 0
    assert "822 records imported" in capsys.readouterr().out
    monkeypatch.setenv("DOCKGATE_VULNDB", str(db))
    assert main(["scan", str(NODEAPP), "--format", "json"]) == 0
    out = capsys.readouterr()
    doc = json.loads(out.out)
    assert "vulnerability DB snapshot: 2024" in out.err
    assert {f["id"] for f in doc["findings"]} >= {"GHSA-xvch-5gv4-984h", "GHSA-p6mc-m468-83gw"}
    assert doc["db"]["sources"][0]["records"] == 822
    assert main(["scan", str(NODEAPP), "--fail-on", "critical", "--format", "sarif"]) == 1
    assert "gate: GHSA-xvch-5gv4-984h critical" in capsys.readouterr().err
    vex = tmp_path / "vex.json"
    vex.write_text(
        json.dumps(
            {
                "@context": "https://openvex.dev/ns/v0.2.0",
                "statements": [
                    {
                        "vulnerability": {"name": "CVE-2021-44906"},
                        "status": "not_affected",
                        "justification": "x",
                    }
                ],
            }
        )
    )
    assert main(["scan", str(NODEAPP), "--fail-on", "critical", "--vex", str(vex)]) == 0
    # The shared data is from 2024: a configured age limit refuses it, the override accepts it.
    assert main(["scan", str(NODEAPP), "--max-db-age", "30"]) == 2
    assert "older than 30 days" in capsys.readouterr().err
    assert main(["scan", str(NODEAPP), "--max-db-age", "30", "--allow-stale-db"]) == 0


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(NODEAPP)]) == 2
    assert "DOCKGATE_VULNDB" in capsys.readouterr().err
    assert main(["scan", str(NODEAPP), "--db", str(tmp_path / "none.db")]) == 2
    assert (
        main(["scan", "docker-archive:" + str(tmp_path / "missing.tar"), "--db", str(tmp_path / "x.db")]) == 2
    )
    with pytest.raises(SystemExit) as exc:
        main(["scan", str(NODEAPP), "--format", "xml"])
    assert exc.value.code == 2


def test_export_install_roundtrip(
    tmp_path: Path, vulndb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "osv.sqlite"
    assert main(["vulndb", "import", str(vulndb_dir / "github-advisory-database"), "--db", str(db)]) == 0
    bundle = tmp_path / "bundle"
    assert main(["vulndb", "export", "--db", str(db), "--out", str(bundle)]) == 0
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["db"]["records"] == 7 and len(manifest["sha256"]) == 64
    target = tmp_path / "airgap" / "osv.sqlite"
    assert main(["vulndb", "install", str(bundle), "--db", str(target)]) == 0
    capsys.readouterr()
    assert main(["vulndb", "info", "--db", str(target)]) == 0
    assert json.loads(capsys.readouterr().out)["records"] == 7
    with (bundle / "vulndb.sqlite").open("ab") as handle:
        handle.write(b"tampered")
    assert main(["vulndb", "install", str(bundle), "--db", str(target)]) == 2
    assert "sha256" in capsys.readouterr().err


def test_update_offline_is_infrastructure_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A loopback port nobody listens on stands in for an unreachable osv.dev.
    code = main(["vulndb", "update", "--db", str(tmp_path / "x.db"), "--ecosystem", "PyPI", "--base-url",
                 "http://127.0.0.1:9"])  # fmt: skip
    assert code == 2
    assert "cannot download http://127.0.0.1:9/PyPI/all.zip" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()


def test_update_from_a_local_osv_mirror(tmp_path: Path, vulndb_dir: Path) -> None:
    import threading
    import zipfile
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    mirror = tmp_path / "mirror"
    (mirror / "npm").mkdir(parents=True)
    with zipfile.ZipFile(mirror / "npm" / "all.zip", "w") as out:
        for path in vulndb_dir.glob("github-advisory-database/**/GHSA-*.json"):
            out.write(path, path.name)
    handler = partial(SimpleHTTPRequestHandler, directory=str(mirror))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        db = tmp_path / "osv.sqlite"
        assert main(["vulndb", "update", "--db", str(db), "--ecosystem", "npm", "--base-url", url]) == 0
    finally:
        server.shutdown()
        server.server_close()
    from workers.vulndb import open_db

    handle = open_db(db)
    assert handle.count() == 7 and handle.snapshot().sources[0].name == f"{url}/npm/all.zip"
    handle.close()


def test_bad_fail_on_is_a_usage_error_before_scanning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(NODEAPP), "--db", str(tmp_path / "none.db"), "--fail-on", "severe"]) == 2
    assert "unknown severity 'severe'" in capsys.readouterr().err
