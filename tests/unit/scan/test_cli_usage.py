"""`dockgate scan` usage errors: malformed --baseline/--vex/--exceptions files and missing SBOM files
exit 2 with one `dockgate: error:` line (no traceback); registry credentials reach the image reader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main

NODEAPP = (
    Path(__file__).resolve().parents[3].parent / "shared/sbom-baseline/syft-1.18.1/nodeapp.archive.cdx.json"
)
CONTEXT = "https://openvex.dev/ns/v0.2.0"


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DOCKGATE_VULNDB", "DOCKGATE_VULNDB_MAX_AGE_DAYS", "DOCKGATE_REGISTRY_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)


def _file(tmp_path: Path, content: Any) -> str:
    path = tmp_path / "input"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is _DIRECTORY:
        path.mkdir()
    else:
        path.write_text(json.dumps(content))
    return str(path)


_DIRECTORY = object()
NOT_UTF8 = b"\xff\xfe\x00garbage"


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("dockgate: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    "content",
    [
        [1, 2],
        ["x"],
        "report",
        {"findings": 5},
        {"findings": ["GHSA-x"]},
        {"suppressed": {}},
        NOT_UTF8,
        _DIRECTORY,
    ],
)
def test_malformed_baseline(
    tmp_path: Path, shared_db_path: Path, capsys: pytest.CaptureFixture[str], content: Any
) -> None:
    path = _file(tmp_path, content)
    line = _usage_error(
        ["scan", str(NODEAPP), "--db", str(shared_db_path), "--fail-on", "high", "--baseline", path], capsys
    )
    assert "baseline report" in line


@pytest.mark.parametrize(
    "content",
    [
        [],
        [{"@context": CONTEXT, "statements": []}],
        {"@context": CONTEXT, "statements": ["CVE-2021-44906"]},
        {"@context": CONTEXT, "statements": [{"vulnerability": "CVE-1", "status": "fixed", "products": 5}]},
        NOT_UTF8,
        _DIRECTORY,
    ],
)
def test_malformed_vex(
    tmp_path: Path, shared_db_path: Path, capsys: pytest.CaptureFixture[str], content: Any
) -> None:
    path = _file(tmp_path, content)
    line = _usage_error(["scan", str(NODEAPP), "--db", str(shared_db_path), "--vex", path], capsys)
    assert path in line


@pytest.mark.parametrize(
    "content",
    [
        ["CVE-2021-44906"],
        [1, 2],
        [None],
        {"exceptions": [["CVE-1"]]},
        {"exceptions": "CVE-1"},
        [{"owner": "sec", "expires": "2030-01-01", "reason": "no id"}],
        [
            {
                "vulnerability": "CVE-1",
                "owner": "o",
                "expires": "2030-01-01",
                "reason": "r",
                "packge": "pkg:npm/x",
            }
        ],
        NOT_UTF8,
        _DIRECTORY,
    ],
)
def test_malformed_exceptions(
    tmp_path: Path, shared_db_path: Path, capsys: pytest.CaptureFixture[str], content: Any
) -> None:
    path = _file(tmp_path, content)
    line = _usage_error(["scan", str(NODEAPP), "--db", str(shared_db_path), "--exceptions", path], capsys)
    assert path in line


def test_missing_sbom_file_says_so(
    tmp_path: Path, shared_db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for target in (tmp_path / "missing.cdx.json", tmp_path / "sboms" / "app"):
        line = _usage_error(["scan", str(target), "--db", str(shared_db_path)], capsys)
        assert f"SBOM file {target} does not exist" in line and "Docker engine" not in line
    line = _usage_error(["scan", "sbom.json", "--db", str(shared_db_path)], capsys)  # relative, missing
    assert "does not exist" in line
    line = _usage_error(["scan", str(tmp_path), "--db", str(shared_db_path)], capsys)
    assert "is a directory" in line


def _fake_generator(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    import workers.sbom

    calls: list[tuple[str, Any]] = []

    def generate_sbom(source: str, *, registry_credentials: Path | None = None, **_: Any) -> dict[str, Any]:
        calls.append((source, registry_credentials))
        return {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": []}

    monkeypatch.setattr(workers.sbom, "generate_sbom", generate_sbom)
    return calls


def test_registry_credentials_flag_and_environment(
    tmp_path: Path, shared_db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _fake_generator(monkeypatch)
    flag, env = tmp_path / "flag.json", tmp_path / "env.json"
    ref = "registry:127.0.0.1:5002/acme/app:1.0"
    db = ["--db", str(shared_db_path)]
    assert main(["scan", ref, *db, "--registry-credentials", str(flag)]) == 0
    monkeypatch.setenv("DOCKGATE_REGISTRY_CREDENTIALS", str(env))
    assert main(["scan", ref, *db]) == 0
    assert main(["scan", ref, *db, "--registry-credentials", str(flag)]) == 0  # the flag wins
    assert calls == [(ref, flag), (ref, env), (ref, flag)]
