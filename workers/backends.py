"""Choose the pipeline's backends from settings, in one place (signer, vulnerability DB, index).

The RQ job and `dockgate run` both build their `PipelineConfig` here, so a deployment behaves
the same whether an image is checked by the service or on a laptop.
"""

from __future__ import annotations

import datetime
import os
import secrets
import socket
from pathlib import Path
from typing import Any

from attestations.errors import ConfigError
from attestations.index import SqlAttestationStore
from attestations.oci import Credentials, load_credentials
from attestations.signing.backends import SignerBackend, to_backend, validate_signer
from attestations.signing.base import Signer
from attestations.signing.keys import PASSWORD_ENV, write_keypair
from workers.build import BuildLimits
from workers.image.layercache import LayerCache
from workers.pipeline import PipelineConfig
from workers.scan import VulnDB, open_db
from workers.settings import Settings

LOCAL_KEY_NAME = "dockgate-local"


def config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "dockgate"


def local_signer(folder: Path | None = None) -> tuple[Signer, Path]:
    """A key generated on first use (0600, encrypted with a random password kept beside it, 0600)."""
    folder = folder or config_home()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    prefix = folder / LOCAL_KEY_NAME
    password_file = folder / f"{LOCAL_KEY_NAME}.password"
    if not Path(f"{prefix}.key").exists():
        password = secrets.token_urlsafe(32)
        fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password)
        write_keypair(prefix, password.encode())
    password = password_file.read_text().strip()
    signer = to_backend(SignerBackend.KEY, key_path=Path(f"{prefix}.key"), key_password=password)
    return signer, Path(f"{prefix}.pub")


def signer_from_settings(
    settings: Settings, *, allow_local_key: bool = False, validate: bool = False
) -> Signer | None:
    """Key signing when a key is configured, keyless when Sigstore is, else the local key (CLI only).

    `validate` (worker start-up): also prove the signer can sign now (password, key, token, Fulcio
    reachable), failing with a ConfigError that says what to fix instead of failing every job.
    """
    build = validate_signer if validate else to_backend
    if settings.signing_key_ref is not None:  # a KMS key: the private key never enters this process
        return build(
            SignerBackend.KMS,
            key_ref=settings.signing_key_ref,
            key_password=settings.signing_key_password or os.environ.get(PASSWORD_ENV),
        )
    if settings.signing_key_path is not None:
        return build(
            SignerBackend.KEY,
            key_path=settings.signing_key_path,
            key_password=settings.signing_key_password or os.environ.get(PASSWORD_ENV),
        )
    keyless = settings.sigstore_trust_config_path or settings.sigstore_identity_token_path
    if keyless or os.environ.get("SIGSTORE_IDENTITY_TOKEN"):
        return build(
            SignerBackend.KEYLESS,
            sigstore_instance=settings.sigstore_instance,
            trust_config_path=settings.sigstore_trust_config_path,
        )
    return local_signer()[0] if allow_local_key else None


def vulndb_from_settings(settings: Settings, override: Path | None = None) -> VulnDB | None:
    path = override or settings.vulndb_path
    if path is None:
        return None
    if not path.is_file():
        raise ConfigError(
            f"vulnerability database {path} does not exist: build it with `dockgate vulndb import`"
        )
    return open_db(path)


def cache_home(settings: Settings) -> Path:
    """DOCKGATE_CACHE_DIR, else $XDG_CACHE_HOME/dockgate (~/.cache/dockgate)."""
    if settings.cache_dir is not None:
        return settings.cache_dir
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dockgate"


def layer_cache_from_settings(settings: Settings) -> LayerCache | None:
    """The shared layer cache; DOCKGATE_LAYER_CACHE_MB=0 turns it off."""
    if settings.layer_cache_mb <= 0:
        return None
    return LayerCache(cache_home(settings), max_bytes=settings.layer_cache_mb << 20)


def build_limits_from_settings(settings: Settings) -> BuildLimits:
    """Memory cap, and a hard CPU cap (the first N cores) when DOCKGATE_BUILD_CPUS is set."""
    cpuset = None
    if settings.build_cpus > 0:
        cores = sorted(os.sched_getaffinity(0))
        cpuset = ",".join(str(c) for c in cores[: settings.build_cpus])
    return BuildLimits(memory_mb=settings.build_memory_mb, cpuset=cpuset)


def credentials_from_settings(settings: Settings) -> dict[str, Credentials]:
    path = settings.registry_credentials_path
    return load_credentials(path) if path is not None else {}


def builder_id(settings: Settings) -> str:
    """The SLSA builder id of this installation: its public URL when it has one."""
    return os.environ.get("DOCKGATE_BUILDER_ID") or f"https://{socket.getfqdn()}/dockgate"


def pipeline_config(
    settings: Settings,
    engine: Any,
    *,
    registry: str | None,
    namespace: str = "",
    signer: Signer | None = None,
    vulndb: VulnDB | None = None,
    out_dir: Path | None = None,
    index: bool = True,
    verify_key: str = "dockgate.pub",
) -> PipelineConfig:
    store = SqlAttestationStore(settings.database_url) if index and registry else None
    return PipelineConfig(
        engine=engine,
        builder_id=builder_id(settings),
        registry=registry,
        namespace=namespace,
        credentials=credentials_from_settings(settings),
        signer=signer,
        vulndb=vulndb,
        base_mirror=settings.base_mirror,
        store=store,
        out_dir=out_dir,
        verify_key=verify_key,
        layer_cache=layer_cache_from_settings(settings),
        build_limits=build_limits_from_settings(settings),
        cosign_legacy=settings.cosign_legacy,
        sbom_backend=settings.sbom_backend,
        vulndb_max_age=(
            datetime.timedelta(days=settings.vulndb_max_age_days) if settings.vulndb_max_age_days else None
        ),
    )
