"""app.yml asks for the least the code needs: every permission is used and says why in a comment."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
MANIFEST = ROOT / "app.yml"

# The API calls (PyGithub methods or REST paths) that need each permission; one must occur in the code.
NEEDS = {
    "checks": ("create_check_run", "get_check_run", "get_check_runs"),
    "contents": ("get_contents", "get_git_tree", "get_git_ref", "/tarball/"),
    "metadata": ("get_collaborator_permission", "get_repo"),
    "pull_requests": ('register("pull_request"',),  # subscribing to pull_request events needs it
    "statuses": ("create_status", "/statuses/"),
    "issues": ("create_comment", "/comments"),
}


def _code() -> str:
    return "\n".join(p.read_text() for d in ("app", "workers") for p in (ROOT / d).rglob("*.py"))


def test_every_permission_is_used_by_the_code() -> None:
    permissions = yaml.safe_load(MANIFEST.read_text())["default_permissions"]
    code = _code()
    for name, level in permissions.items():
        markers = NEEDS.get(name)
        assert markers is not None, f"app.yml asks for {name}: {level}, which no feature is known to need"
        assert any(m in code for m in markers), (
            f"app.yml asks for {name}: {level} but no code calls {markers}"
        )
    assert permissions["checks"] == "write" and permissions["contents"] == "read"


def test_every_permission_line_carries_its_justification() -> None:
    block = MANIFEST.read_text().split("default_permissions:", 1)[1].split("default_events:", 1)[0]
    lines = [line for line in block.splitlines() if re.match(r"^\s+\w+:\s*\w+", line)]
    assert lines
    for line in lines:
        assert re.search(r"#\s*\S.{10,}", line), f"no justification comment: {line.strip()}"
