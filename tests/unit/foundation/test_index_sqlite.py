from pathlib import Path

import pytest

from attestations.errors import DockgateError
from attestations.index import AttestationRecord, ComponentRecord, ImageRecord, SqlAttestationStore


def test_round_trip_on_sqlite(tmp_path: Path) -> None:
    store = SqlAttestationStore(f"sqlite:///{tmp_path / 'index.db'}")
    image = ImageRecord(
        repository="127.0.0.1:5001/acme/api", digest="sha256:" + "a" * 64, name="api", verdict="pass"
    )
    store.record_image(
        image,
        [AttestationRecord("https://cyclonedx.org/bom", "sha256:" + "b" * 64)],
        [ComponentRecord("pkg:deb/debian/openssl@3.0.7?distro=debian-12", "openssl", "3.0.7")],
    )
    # Re-recording (a retried job) replaces rows instead of duplicating them.
    store.record_image(
        image,
        [AttestationRecord("https://cyclonedx.org/bom", "sha256:" + "b" * 64)],
        [ComponentRecord("pkg:deb/debian/openssl@3.0.7?distro=debian-12", "openssl", "3.0.7")],
    )
    assert store.images_with_component("openssl", "3.0.7") == [image]
    assert store.images_with_component("openssl", "3.0.7", promoted_only=True) == []
    assert len(store.attestations_of(image.digest)) == 1
    store.mark_promoted(image.repository, image.digest, "127.0.0.1:5002/acme/api")
    promoted = store.images_with_component("openssl", promoted_only=True)
    assert [p.promoted_to for p in promoted] == ["127.0.0.1:5002/acme/api"]


def test_promoting_an_unknown_image_is_an_error(tmp_path: Path) -> None:
    store = SqlAttestationStore(f"sqlite:///{tmp_path / 'index.db'}")
    with pytest.raises(DockgateError, match="no indexed image"):
        store.mark_promoted("r", "sha256:" + "0" * 64, "p")
