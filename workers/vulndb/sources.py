"""Reading OSV records from what operators actually have: files, folders and osv.dev `all.zip`.

Each source yields ``(path, record)`` pairs and a sha256 identity (of the file, or of the sorted
per-file digests of a folder) so a database can say exactly which data it was built from.
PyPA publishes YAML; osv.dev and most others JSON. Unreadable files are yielded as errors, not
raised, so one bad file does not abort an air-gapped import.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from attestations.errors import UsageError

try:
    _YamlLoader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _YamlLoader = yaml.SafeLoader

RECORD_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(frozen=True)
class Loaded:
    """One file of a source: the records it holds, or why it could not be read."""

    path: str
    records: tuple[dict[str, Any], ...] = ()
    error: str = ""


def _decode(name: str, data: bytes) -> Loaded:
    try:
        if name.endswith(".json"):
            doc = json.loads(data)
        else:
            doc = yaml.load(data, Loader=_YamlLoader)  # noqa: S506 - CSafeLoader/SafeLoader only
    except (ValueError, yaml.YAMLError) as exc:
        return Loaded(name, error=f"not valid JSON/YAML: {exc.__class__.__name__}")
    docs = doc if isinstance(doc, list) else [doc]
    records = tuple(d for d in docs if isinstance(d, dict) and isinstance(d.get("id"), str))
    if not records:
        return Loaded(name, error="not an OSV record (no string `id`)")
    return Loaded(name, records)


def _folder_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in RECORD_SUFFIXES)


def read_source(path: Path) -> tuple[str, Iterator[Loaded]]:
    """The sha256 identity of `path` and an iterator over its files' records."""
    if path.is_dir():
        files = _folder_files(path)
        digest = hashlib.sha256()
        contents: list[tuple[Path, bytes]] = []
        for file in files:
            data = file.read_bytes()
            rel = file.relative_to(path).as_posix()
            digest.update(f"{hashlib.sha256(data).hexdigest()}  {rel}\n".encode())
            contents.append((file, data))
        return digest.hexdigest(), (_decode(str(f), d) for f, d in contents)
    if not path.is_file():
        raise UsageError(f"{path} does not exist: pass OSV JSON/YAML files, folders or all.zip exports")
    digest = hashlib.sha256()
    with path.open("rb") as handle:  # streamed: osv.dev's all.zip exports run to hundreds of MB
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    if zipfile.is_zipfile(path):
        return digest.hexdigest(), _zip_records(path)
    return digest.hexdigest(), iter([_decode(str(path), path.read_bytes())])


def _zip_records(path: Path) -> Iterator[Loaded]:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.is_dir() and info.filename.endswith(RECORD_SUFFIXES):
                yield _decode(f"{path}!{info.filename}", archive.read(info))
