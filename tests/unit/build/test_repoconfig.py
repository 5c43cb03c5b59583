"""`.dockgate.yml` validation and Dockerfile discovery (no filesystem beyond tmp_path)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from attestations.errors import ConfigError
from workers.repoconfig import (
    ImageSpec,
    RepoConfig,
    default_image_name,
    discover_images,
    load_repo_config,
    parse_repo_config,
)

FULL = """
images:
  - name: api
    context: services/api
    target: runtime
    build_args: {PY: 3.11, DEBUG: false}
    platforms: [linux/arm64/v8]
    network: true
    size_budget_mb: 300
lint:
  ignore: [DG102]
  overrides: {DG106: off, DG113: warning}
policy:
  fail_on: critical
  only_fixed: true
  only_new: true
  required_attestations: [cyclonedx]
  require_signature: false
vulnerabilities:
  vex: [security/vex.json]
  exceptions:
    - id: CVE-2023-0001
      purl: "pkg:deb/debian/openssl"
      owner: sec-team
      expires: 2027-01-31
      reason: not reachable
promotion: {branches: [main, release], tags: ["v*"]}
"""


def test_defaults_are_safe() -> None:
    config = parse_repo_config(None)
    assert config == RepoConfig()
    assert config.policy.require_signature is True
    assert config.policy.fail_on == "high"
    assert config.promotion.branches == ()  # the default branch and v* tags only
    assert config.lint.level_for("DG105", "error") == "error"


def test_full_config_round_trip() -> None:
    config = parse_repo_config(FULL)
    (api,) = config.images
    assert api.dockerfile == "services/api/Dockerfile"
    assert api.build_args == {"PY": "3.11", "DEBUG": "false"}
    assert api.platforms == ("linux/arm64/v8",)
    assert api.network is True and api.size_budget_mb == 300 and api.target == "runtime"
    assert config.lint.level_for("DG102", "warning") is None
    assert config.lint.level_for("DG106", "warning") is None  # YAML `off` is False; still means off
    assert config.lint.level_for("DG113", "info") == "warning"
    assert config.policy.fail_on == "critical" and config.policy.only_new
    (exc,) = config.vulnerabilities.exceptions
    assert exc.expires == dt.date(2027, 1, 31) and exc.purl == "pkg:deb/debian/openssl"
    assert exc.active(dt.date(2027, 1, 31)) and not exc.active(dt.date(2027, 2, 1))
    assert config.promotion.tags == ("v*",)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("images: [{name: Api}]", "images[0].name"),
        ("images: [{name: a, context: ../up}]", "images[0].context"),
        ("images: [{name: a, dockerfile: /etc/Dockerfile}]", "images[0].dockerfile"),
        ("images: [{name: a, size_budget_mb: 0}]", "images[0].size_budget_mb"),
        ("images: [{name: a, platforms: [amd64]}]", "images[0].platforms"),
        ("images: [{name: a, platforms: [linux/amd64, linux/arm64]}]", "images[0].platforms"),
        ("images: [{name: a}, {name: b, imagse: 1}]", "images[1].imagse"),
        ("lint: {overrides: {DG105: loud}}", "lint.overrides.DG105"),
        ("lint: {ignore: [DL3006]}", "lint.ignore"),
        ("policy: {fail_on: huge}", "policy.fail_on"),
        (
            "vulnerabilities: {exceptions: [{id: X, owner: o, reason: r}]}",
            "vulnerabilities.exceptions[0].expires",
        ),
        ("promotoin: {}", "promotoin"),
    ],
)
def test_errors_name_the_key_path(text: str, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_repo_config(text)
    assert key in info.value.diagnostics()
    assert "\n" not in info.value.diagnostics()


def test_all_problems_reported_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        parse_repo_config("images: [{name: A}]\npolicy: {fail_on: x}")
    assert "images[0].name" in str(info.value) and "policy.fail_on" in str(info.value)


def test_bad_yaml_and_non_mapping() -> None:
    with pytest.raises(ConfigError, match="line 2"):
        parse_repo_config("images:\n  - [")
    with pytest.raises(ConfigError, match="mapping"):
        parse_repo_config("- a\n- b")


def test_duplicate_names_rejected() -> None:
    with pytest.raises(ConfigError, match="duplicate"):
        parse_repo_config("images: [{name: a}, {name: a, context: x}]")


def test_discovery_from_listing() -> None:
    paths = [
        "Dockerfile",
        "Dockerfile.dev",
        "docker/Dockerfile.api",
        "web/Dockerfile",
        "deep/er/Dockerfile",
        ".github/Dockerfile",
        "README.md",
        "Dockerfile.dockerignore",
    ]
    found = {s.name: s for s in discover_images(paths, None, default_name="shop")}
    assert set(found) == {"shop", "dev", "api", "web"}
    assert found["api"].context == "." and found["api"].dockerfile == "docker/Dockerfile.api"
    assert found["web"] == ImageSpec(name="web", context="web", dockerfile="web/Dockerfile")


def test_default_image_name_from_repository() -> None:
    assert default_image_name("Codertocat/Hello-World") == "hello-world"
    assert default_image_name("org/My_Repo.v2") == "my_repo.v2"
    (spec,) = discover_images(["Dockerfile"], None, default_name=default_image_name("o/Shop"))
    assert spec.name == "shop"


def test_discovery_disambiguates_names() -> None:
    found = discover_images(["Dockerfile.api", "api/Dockerfile"], None)
    assert len({s.name for s in found}) == 2


def test_configured_images_must_exist_in_listing() -> None:
    text = "images: [{name: api, context: api}]"
    assert discover_images(["api/Dockerfile"], text)[0].name == "api"
    with pytest.raises(ConfigError, match=r"images\[0\]\.dockerfile"):
        discover_images(["Dockerfile"], text)


def test_load_repo_config(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "worker").mkdir()
    (tmp_path / "worker" / "Dockerfile").write_text("FROM scratch\n")
    config = load_repo_config(tmp_path, default_name="svc")
    assert sorted(s.name for s in config.images) == ["svc", "worker"]
    (tmp_path / ".dockgate.yml").write_text(
        "images: [{name: only, context: worker}]\nlint: {ignore: [DG106]}\n"
    )
    config = load_repo_config(tmp_path)
    assert [s.name for s in config.images] == ["only"] and "DG106" in config.lint.ignore
