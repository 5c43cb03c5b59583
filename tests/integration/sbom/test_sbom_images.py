"""SBOMs of real images built here, checked against what the images really contain.

Oracles: dpkg-query and importlib.metadata run inside the image, the npm lockfile the image was
installed from, and `go version -m` on the Go binary.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sbom_test_images import props, purls, run_in, syft_binary

from workers.image import open_image
from workers.sbom import OWNER_PROPERTY, generate, to_json
from workers.sbom.cyclonedx import SBOM_NAMESPACE

pytestmark = [pytest.mark.docker, pytest.mark.slow]

PY_LIST = (
    "import importlib.metadata as m, sys; "
    "print('\\n'.join(sorted(f\"{d.metadata['Name'].lower()}@{d.version}\" for d in m.distributions())))"
)


def _names_versions(document: dict[str, Any], prefix: str, where: str = "") -> set[str]:
    found = set()
    for c in document["components"]:
        location = ((c.get("evidence") or {}).get("occurrences") or [{}])[0].get("location", "")
        if c.get("purl", "").startswith(prefix) and location.startswith(where):
            found.add(f"{c['name'].lower()}@{c['version']}")
    return found


def test_pyapp_debs_and_dists_match_the_image(
    docker_client: Any, pyapp: str, sbom_of: Callable[[str], dict[str, Any]]
) -> None:
    bom = sbom_of(pyapp)
    dpkg = run_in(docker_client, pyapp, ["dpkg-query", "-W", "-f", "${Package}@${Version}\\n"]).split()
    assert _names_versions(bom, "pkg:deb/debian/") == set(dpkg)
    venv = run_in(docker_client, pyapp, ["/opt/venv/bin/python", "-c", PY_LIST]).split()
    system = run_in(docker_client, pyapp, ["/usr/bin/python3", "-I", "-c", PY_LIST]).split()
    assert _names_versions(bom, "pkg:pypi/", "/opt/venv/") == set(venv)
    assert _names_versions(bom, "pkg:pypi/", "/usr/lib/python3/") == set(system)
    assert "six@1.16.0" not in _names_versions(bom, "pkg:pypi/")  # uninstalled in a later layer
    assert "pkg:pypi/django@3.2" in purls(bom, "pkg:pypi/")
    for purl in purls(bom, "pkg:deb/"):
        assert "distro=debian-12" in purl and "arch=" in purl


def test_debian_owned_python_is_marked_and_layers_are_real(
    pyapp: str, sbom_of: Callable[[str], dict[str, Any]], docker_client: Any
) -> None:
    bom = sbom_of(pyapp)
    diff_ids = set(docker_client.images.get(pyapp).attrs["RootFS"]["Layers"])
    for c in bom["components"]:
        assert props(c)["dockgate:layer"] in diff_ids, c["name"]
    pip = [c for c in bom["components"] if c["name"] == "pip"]
    debian_pip = [
        c for c in pip if c["evidence"]["occurrences"][0]["location"].startswith("/usr/lib/python3/")
    ]
    venv_pip = [c for c in pip if c["evidence"]["occurrences"][0]["location"].startswith("/opt/venv/")]
    assert debian_pip and props(debian_pip[0])[OWNER_PROPERTY].startswith("pkg:deb/debian/python3-pip@")
    assert venv_pip and OWNER_PROPERTY not in props(venv_pip[0])
    django = next(c for c in bom["components"] if c["name"] == "Django")
    base_layers = docker_client.images.get("dockgate-base/python:3.11-bookworm").attrs["RootFS"]["Layers"]
    assert props(django)["dockgate:layer"] not in base_layers
    assert bom["metadata"]["component"]["type"] == "container"
    labels = props(bom["metadata"]["component"])
    assert labels["oci:label:org.opencontainers.image.title"] == "pyapp"


def test_sbom_is_deterministic(pyapp: str, archive_of: Callable[[str], Path], docker_client: Any) -> None:
    texts = []
    for source in (f"docker-archive:{archive_of(pyapp)}", pyapp):
        with open_image(source, docker_client=docker_client) as image:
            texts.append(to_json(generate(image)))
            image_id = image.image_id
    first, second = (json.loads(t) for t in texts)
    assert (
        first["serialNumber"] == f"urn:uuid:{uuid.uuid5(SBOM_NAMESPACE, image_id)}" == second["serialNumber"]
    )
    assert first["components"] == second["components"]
    with open_image(f"docker-archive:{archive_of(pyapp)}") as image:
        assert to_json(generate(image)) == texts[0]


def test_nodeapp_modules_match_the_lockfile(
    nodeapp: str, sbom_of: Callable[[str], dict[str, Any]], docker_client: Any
) -> None:
    bom = sbom_of(nodeapp)
    lock = json.loads(run_in(docker_client, nodeapp, ["cat", "/srv/app/package-lock.json"]))
    expected = {
        f"{info.get('name') or path.rpartition('node_modules/')[2]}@{info['version']}".lower()
        for path, info in lock["packages"].items()
        if path.startswith("node_modules/")
    }
    assert _names_versions(bom, "pkg:npm/", "/srv/app/node_modules/") == expected
    assert "lodash@4.17.15" in expected
    debian_modules = [
        c
        for c in bom["components"]
        if c.get("purl", "").startswith("pkg:npm/")
        and c["evidence"]["occurrences"][0]["location"].startswith("/usr/share/nodejs/")
    ]
    owned = [c for c in debian_modules if props(c).get(OWNER_PROPERTY, "").startswith("pkg:deb/debian/")]
    assert debian_modules and len(owned) >= 0.9 * len(debian_modules)


def test_go_modules_match_go_version_m(goapp: str, sbom_of: Callable[[str], dict[str, Any]]) -> None:
    go = "/usr/local/go/bin/go"
    if not Path(go).exists():
        pytest.skip("no Go toolchain for the `go version -m` oracle")
    out = subprocess.run(
        [go, "version", "-m", str(syft_binary())], capture_output=True, text=True, check=True
    )
    modules: list[str] = []
    toolchain = out.stdout.splitlines()[0].rsplit(" ", 1)[1]
    for line in out.stdout.splitlines()[1:]:
        fields = line.strip().split("\t")
        if fields[0] == "dep":
            modules.append(f"{fields[1]}@{fields[2]}")
        elif fields[0] == "=>":  # a replace directive: the replacement is what was built
            modules[-1] = f"{fields[1]}@{fields[2]}"
    expected = set(modules)
    bom = sbom_of(goapp)
    libraries = {
        f"{c['name']}@{c['version']}"
        for c in bom["components"]
        if c.get("purl", "").startswith("pkg:golang/") and c["type"] == "library" and c["name"] != "stdlib"
    }
    assert libraries == expected
    assert f"pkg:golang/stdlib@{toolchain.removeprefix('go')}" in purls(bom, "pkg:golang/stdlib")
    assert "pkg:golang/github.com/anchore/syft@v1.18.1" in purls(bom, "pkg:golang/")
    assert "pkg:generic/busybox@1.35.0" in purls(bom, "pkg:generic/")
    os_component = next(c for c in bom["components"] if c["type"] == "operating-system")
    assert (os_component["name"], os_component["version"]) == ("busybox", "1.35.0")
