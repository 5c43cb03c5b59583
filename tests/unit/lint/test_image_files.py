"""DG204 (secret files) and DG207 (package-manager caches) on synthetic images, each finding tied
to the Dockerfile line whose layer added the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from workers.image import open_image
from workers.lint import Finding, check_image

BASE = ("/bin/sh -c #(nop) ADD file:0123abcd in / ", [("bin/sh", b"#!busybox\n", 0o755)])
AWS = b"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI\n"
ADC = b'{"type": "authorized_user", "client_id": "x", "client_secret": "y", "refresh_token": "z"}\n'
KUBE = b"apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: abc\n"


def findings_for(
    tmp_path: Path, make_image: Callable[..., str], files: list[tuple[str, bytes, int]], rule: str
) -> list[Finding]:
    """Build an image whose second layer (Dockerfile line 2, a COPY) holds `files`."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM busybox:1.35\nCOPY rootfs/ /\nUSER 1000\n")
    source = make_image([BASE, ("COPY rootfs/ / # buildkit", files), ("USER 1000", None)])
    with open_image(source) as fs:
        return [f for f in check_image(fs, dockerfile) if f.rule == rule]


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("root/.aws/credentials", AWS),
        ("home/app/.aws/credentials", AWS),
        ("root/.config/gcloud/application_default_credentials.json", ADC),
        ("home/app/.config/gcloud/legacy_credentials/me@example.com/adc.json", ADC),
        ("root/.config/gcloud/credentials.db", b"SQLite format 3\0"),
        ("root/.config/gcloud/access_tokens.db", b"SQLite format 3\0"),
        ("root/.kube/config", KUBE),
        ("home/app/.docker/config.json", b'{"auths": {"r": {"auth": "dXNlcjpwYXNz"}}}'),
        ("root/.azure/msal_token_cache.json", b"{}"),
        ("srv/app/service-account.json", b'{"type": "service_account", "private_key": "x"}'),
    ],
)
def test_dg204_cloud_credentials(
    tmp_path: Path, make_image: Callable[..., str], path: str, content: bytes
) -> None:
    found = findings_for(tmp_path, make_image, [(path, content, 0o600)], "DG204")
    assert [(f.line, f.message.split(" is in the image")[0]) for f in found] == [(2, f"/{path}")]


@pytest.mark.parametrize(
    "path",
    [
        "root/.aws/config",  # region and profiles, no keys
        "root/.config/gcloud/configurations/config_default",
        "root/.kube/cache/discovery/x.json",
        "usr/lib/python3/dist-packages/google/auth/credentials.py",
    ],
)
def test_dg204_not_on_cloud_tool_config(tmp_path: Path, make_image: Callable[..., str], path: str) -> None:
    assert findings_for(tmp_path, make_image, [(path, b"[x]\n", 0o644)], "DG204") == []


@pytest.mark.parametrize(
    ("kind", "paths"),
    [
        ("npm cache", ["root/.npm/_cacache/index-v5/ab/cd", "root/.npm/_cacache/content-v2/sha512/x"]),
        ("npm cache", ["home/node/.npm/_cacache/index-v5/00/11"]),
        ("yarn cache", ["usr/local/share/.cache/yarn/v6/npm-left-pad-1.3.0/package.json"]),
        ("yarn cache", ["home/node/.cache/yarn/v6/npm-x/package.json"]),
        ("apk cache", ["var/cache/apk/APKINDEX.5022a8a2.tar.gz", "var/cache/apk/APKINDEX.70c88391.tar.gz"]),
        ("pip cache", ["root/.cache/pip/http-v2/a/b/c"]),
        ("apt lists", ["var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease"]),
    ],
)
def test_dg207_package_manager_caches(
    tmp_path: Path, make_image: Callable[..., str], kind: str, paths: list[str]
) -> None:
    files = [(p, b"cached bytes\n", 0o644) for p in paths]
    (found,) = findings_for(tmp_path, make_image, files, "DG207")
    assert found.line == 2 and found.message.startswith(f"{kind} left in the image ({len(paths)} files")


@pytest.mark.parametrize(
    "path",
    [
        "var/cache/apk/.keep",
        "var/lib/apt/lists/lock",
        "var/lib/apt/lists/partial/.keep",
        "root/.npm/_logs/debug.log",
        "usr/local/lib/node_modules/npm/lib/cache.js",
        "app/node_modules/.cache/babel/x.json",
    ],
)
def test_dg207_not_on_empty_cache_folders_or_code(
    tmp_path: Path, make_image: Callable[..., str], path: str
) -> None:
    assert findings_for(tmp_path, make_image, [(path, b"x", 0o644)], "DG207") == []
