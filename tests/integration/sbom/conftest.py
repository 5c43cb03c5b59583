"""Session fixtures: the SBOM test images (built once, reused), their archives and their SBOMs."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

_spec = importlib.util.spec_from_file_location("sbom_test_images", Path(__file__).with_name("images.py"))
assert _spec and _spec.loader
images = importlib.util.module_from_spec(_spec)
sys.modules["sbom_test_images"] = images
_spec.loader.exec_module(images)


@pytest.fixture(scope="session")
def archive_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sbom-archives")


@pytest.fixture(scope="session")
def pyapp(docker_client: Any) -> str:
    return str(images.pyapp(docker_client).tag)


@pytest.fixture(scope="session")
def nodeapp(docker_client: Any) -> str:
    return str(images.nodeapp(docker_client).tag)


@pytest.fixture(scope="session")
def goapp(docker_client: Any) -> str:
    return str(images.goapp(docker_client).tag)


@pytest.fixture(scope="session")
def archive_of(docker_client: Any, archive_dir: Path) -> Callable[[str], Path]:
    def save(tag: str) -> Path:
        return Path(images.save(docker_client, tag, archive_dir))

    return save


@pytest.fixture(scope="session")
def sbom_of(archive_of: Callable[[str], Path]) -> Callable[[str], dict[str, Any]]:
    """The native SBOM (validated JSON, parsed) of a test image, generated once per session."""
    from workers.image import open_image
    from workers.sbom import generate, to_json

    cache: dict[str, dict[str, Any]] = {}

    def sbom(tag: str) -> dict[str, Any]:
        if tag not in cache:
            with open_image(f"docker-archive:{archive_of(tag)}") as image:
                cache[tag] = json.loads(to_json(generate(image)))
        return cache[tag]

    return sbom
