"""Stage-aware Dockerfile and image linter (rules DG1xx on the Dockerfile, DG2xx on the built image).

A library: no rq, flask, docker or GitHub imports here; jobs and the CLI call it.
"""

from __future__ import annotations

from workers.lint.engine import apply_config, lint_dockerfile, lint_text
from workers.lint.findings import RULES, Finding, Rule
from workers.lint.image_rules import ImageLike, check_image
from workers.lint.render import to_json, to_sarif, to_text
from workers.repoconfig import LintConfig

__all__ = [
    "RULES",
    "Finding",
    "ImageLike",
    "LintConfig",
    "Rule",
    "apply_config",
    "check_image",
    "lint_dockerfile",
    "lint_text",
    "to_json",
    "to_sarif",
    "to_text",
]
