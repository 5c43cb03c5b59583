"""Concurrent writers of one subject's tags (referrers index, `.sig`) lose nothing.

distribution 2.8 has no referrers API and no conditional PUT: the `sha256-<hex>` index and the
cosign `.sig`/`.att` images are read-modify-write. Threads share a process lock, worker processes
a Redis lock, and a writer outside dockgate that replaces a tag is caught by reading it back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from attestations.oci import RegistryClient, RegistryError
from attestations.oci.mediatypes import OCI_MANIFEST
from attestations.storage.legacy import signature_tag, write_legacy_signature
from attestations.storage.referrers import referrers_tag, write_bundle_referrer
from tests.integration.attestations.conftest import PushedImage

pytestmark = [pytest.mark.registry, pytest.mark.redis]  # the cross-process lock is in Redis
ROOT = Path(__file__).resolve().parents[3]


def _subject(image: PushedImage) -> dict[str, Any]:
    return {"mediaType": OCI_MANIFEST, "digest": image.digest, "size": image.size}


def _index_digests(client: RegistryClient, image: PushedImage) -> set[str]:
    index = client.get_manifest(image.repository, referrers_tag(image.digest)).json()
    return {m["digest"] for m in index["manifests"]}


def test_threads_adding_referrers_to_one_subject_lose_none(
    staging_registry: str, staging_image: PushedImage
) -> None:
    descriptors: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with RegistryClient(staging_registry) as client:  # one client each, like separate jobs
                bundle = json.dumps({"writer": n}).encode()
                descriptors.append(
                    write_bundle_referrer(
                        client, staging_image.repository, _subject(staging_image), bundle, f"urn:test:{n}"
                    )
                )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with RegistryClient(staging_registry) as client:
        assert _index_digests(client, staging_image) == {d["digest"] for d in descriptors}
        assert len(descriptors) == 8


_PROCESS_WRITER = """
import json, sys
from attestations.oci import RegistryClient
from attestations.oci.mediatypes import OCI_MANIFEST
from attestations.storage.legacy import write_legacy_signature
from attestations.storage.referrers import write_bundle_referrer
from workers.queues import connect
from workers.registry_locks import redis_tag_lock

registry, repository, digest, size, redis_url, worker = sys.argv[1:]
subject = {"mediaType": OCI_MANIFEST, "digest": digest, "size": int(size)}
lock = redis_tag_lock(connect(redis_url))
with RegistryClient(registry, tag_lock=lock) as client:
    for n in range(3):
        bundle = json.dumps({"worker": worker, "n": n}).encode()
        print(write_bundle_referrer(client, repository, subject, bundle, "urn:test")["digest"])
        write_legacy_signature(client, repository, digest, bundle, b"sig-" + bundle)
"""


def test_worker_processes_serialise_on_the_redis_tag_lock(
    staging_registry: str, staging_image: PushedImage, redis_url: str
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [
        staging_registry,
        staging_image.repository,
        staging_image.digest,
        str(staging_image.size),
        redis_url,
    ]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _PROCESS_WRITER, *args, str(w)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(4)
    ]
    written: set[str] = set()
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        written.update(out.split())
    assert len(written) == 12
    with RegistryClient(staging_registry) as client:
        assert _index_digests(client, staging_image) == written
        sig = client.get_manifest(staging_image.repository, signature_tag(staging_image.digest)).json()
        assert len(sig["layers"]) == 12  # 4 workers x 3 distinct payloads, none lost


class _ForeignWriter(RegistryClient):
    """A client whose tag writes are undone `times` times by a writer that ignores our lock."""

    def __init__(self, registry: str, times: int) -> None:
        super().__init__(registry)
        self.times = times

    def put_manifest(self, repository: str, reference: str, raw: bytes, media_type: str) -> str:
        before: bytes | None
        try:
            before = self.get_manifest(repository, reference).raw
        except RegistryError:
            before = None
        digest = super().put_manifest(repository, reference, raw, media_type)
        if self.times and before is not None and reference.startswith("sha256-"):
            self.times -= 1
            super().put_manifest(repository, reference, before, media_type)  # ours is gone
        return digest


def test_an_index_replaced_by_a_foreign_writer_is_merged_again(
    staging_registry: str, staging_image: PushedImage
) -> None:
    with RegistryClient(staging_registry) as client:
        first = write_bundle_referrer(
            client, staging_image.repository, _subject(staging_image), b'{"first":1}', "urn:test"
        )
    with _ForeignWriter(staging_registry, times=1) as racing:
        second = write_bundle_referrer(
            racing, staging_image.repository, _subject(staging_image), b'{"second":2}', "urn:test"
        )
        assert racing.times == 0  # the foreign write happened
    with RegistryClient(staging_registry) as client:
        assert _index_digests(client, staging_image) == {first["digest"], second["digest"]}


def test_a_signature_layer_dropped_by_a_foreign_writer_is_appended_again(
    staging_registry: str, staging_image: PushedImage
) -> None:
    with RegistryClient(staging_registry) as client:
        write_legacy_signature(client, staging_image.repository, staging_image.digest, b"one", b"s1")
    with _ForeignWriter(staging_registry, times=1) as racing:
        write_legacy_signature(racing, staging_image.repository, staging_image.digest, b"two", b"s2")
        assert racing.times == 0
    with RegistryClient(staging_registry) as client:
        sig = client.get_manifest(staging_image.repository, signature_tag(staging_image.digest)).json()
        assert len(sig["layers"]) == 2


def test_a_writer_that_keeps_replacing_the_index_is_reported(
    staging_registry: str, staging_image: PushedImage
) -> None:
    with RegistryClient(staging_registry) as client:
        write_bundle_referrer(
            client, staging_image.repository, _subject(staging_image), b'{"a":1}', "urn:test"
        )
    with (
        _ForeignWriter(staging_registry, times=99) as racing,
        pytest.raises(RegistryError, match="kept being replaced"),
    ):
        write_bundle_referrer(
            racing, staging_image.repository, _subject(staging_image), b'{"b":2}', "urn:test"
        )
