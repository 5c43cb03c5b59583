import subprocess
import sys

import pytest

from app.cli import build_parser, main

PLANNED = ["serve", "worker", "run", "lint", "sbom", "scan", "vulndb", "keygen", "sign", "attest", "verify"]


def test_help_lists_every_planned_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in PLANNED:
        assert f"    {name} " in out or f"    {name}\n" in out, name


@pytest.mark.parametrize("name", PLANNED)
def test_every_subcommand_has_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
    assert exit_info.value.code == 0
    assert "usage: dockgate " + name in capsys.readouterr().out


def test_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("dockgate ")


def test_no_command_is_a_usage_error() -> None:
    assert main([]) == 2


def test_parser_builds() -> None:
    assert build_parser().prog == "dockgate"


def test_importing_app_does_not_import_docker() -> None:
    code = "import sys, app, app.cli; print('docker' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
