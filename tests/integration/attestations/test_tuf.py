"""A private Sigstore instance distributed over TUF (python-tuf repository served on 127.0.0.1)."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from securesystemslib.signer import CryptoSigner
from sigstore.oidc import IdentityToken
from tuf.api.metadata import Metadata, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp

from attestations.bundle_check import verify_bundle
from attestations.policy import VerificationPolicy
from attestations.predicates import signature_statement
from attestations.signing.base import SigningError
from attestations.signing.keyless import KeylessSigner, load_trust_config
from attestations.statements import image_subject

from .conftest import IDENTITY, ISSUER, LocalSigstore, identity_token

pytestmark = pytest.mark.slow
DIGEST = "sha256:" + "c" * 64


def make_tuf_repo(trust_config: Path, out: Path) -> Path:
    """Static TUF repository holding trusted_root.json + signing_config.v0.2.json; returns 1.root.json."""
    config = json.loads(trust_config.read_text())
    (out / "targets").mkdir(parents=True)
    expires = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    signer = CryptoSigner.generate_ecdsa()  # one key for every role: test repository only
    targets = Targets(expires=expires)
    for name, doc in (
        ("trusted_root.json", config["trustedRoot"]),
        ("signing_config.v0.2.json", config["signingConfig"]),
    ):
        data = json.dumps(doc).encode()
        (out / "targets" / name).write_bytes(data)
        targets.targets[name] = TargetFile.from_data(name, data, ["sha256"])
    root = Root(expires=expires, consistent_snapshot=False)
    for role in ("root", "timestamp", "snapshot", "targets"):
        root.add_key(signer.public_key, role)
    metadata = {
        "root": Metadata(root),
        "targets": Metadata(targets),
        "snapshot": Metadata(Snapshot(expires=expires, meta={"targets.json": MetaFile(version=1)})),
        "timestamp": Metadata(Timestamp(expires=expires, snapshot_meta=MetaFile(version=1))),
    }
    for role, md in metadata.items():
        md.sign(signer)
        md.to_file(str(out / f"{role}.json"))
    metadata["root"].to_file(str(out / "1.root.json"))
    return out / "1.root.json"


@pytest.fixture
def tuf_repo(
    local_sigstore: LocalSigstore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Path]]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # sigstore-python's TUF cache
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    root = make_tuf_repo(local_sigstore.trust_config, tmp_path / "repo")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "repo"))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


def test_sign_and_verify_with_tuf_distributed_trust(tuf_repo: tuple[str, Path], tmp_path: Path) -> None:
    url, root = tuf_repo
    trust = load_trust_config(url, tuf_root=root)
    signer = KeylessSigner(trust, IdentityToken(identity_token()))
    bundle = signer.sign_dsse(signature_statement(image_subject("127.0.0.1:5001/app", DIGEST))).bundle_json
    policy = VerificationPolicy(identity=IDENTITY, issuer=ISSUER, trusted_root=trust.trusted_root)
    statement, who = verify_bundle(bundle, DIGEST, policy)
    assert statement.subjects[0].name == "127.0.0.1:5001/app" and who == f"certificate {IDENTITY}"


def test_tuf_needs_a_matching_bootstrap_root(
    tuf_repo: tuple[str, Path], local_sigstore: LocalSigstore, tmp_path: Path
) -> None:
    url, _ = tuf_repo
    with pytest.raises(SigningError, match="DOCKGATE_SIGSTORE_TUF_ROOT"):
        load_trust_config(url)
    stranger = make_tuf_repo(local_sigstore.trust_config, tmp_path / "other")  # same content, other root key
    with pytest.raises(SigningError):
        load_trust_config(url, tuf_root=stranger)
