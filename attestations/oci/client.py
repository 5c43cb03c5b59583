"""A small OCI distribution client: manifests, blobs, mounts, tags and referrers (D8 of the design).

Plain requests instead of the docker SDK (which drives an engine, not registries) or oras-py
(untyped, no referrers tag-schema fallback). Every blob and manifest fetched by digest is hashed
before it is returned, so a registry cannot substitute content.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from contextlib import AbstractContextManager
from typing import IO, Any
from urllib.parse import urljoin

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from attestations.oci.auth import Authenticator, Credentials
from attestations.oci.errors import (
    DigestMismatch,
    NotFound,
    RegistryAuthError,
    RegistryError,
    RegistryUnavailable,
)
from attestations.oci.locks import TagLock, local_tag_lock
from attestations.oci.manifest import Manifest, digest_of
from attestations.oci.mediatypes import INDEX_TYPES, MANIFEST_TYPES, OCI_INDEX
from attestations.oci.reference import validate_digest
from attestations.oci.stream import SizedStream, VerifyingReader

logger = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
_RETRY = Retry(
    total=4,
    backoff_factor=0.2,
    status_forcelist=(429, 500, 502, 503, 504),
    allowed_methods=frozenset({"GET", "HEAD", "PUT", "POST", "PATCH", "DELETE"}),
    raise_on_status=False,
    respect_retry_after_header=True,
)


def _is_loopback(registry: str) -> bool:
    host = registry.rsplit(":", 1)[0] if not registry.endswith("]") else registry
    return host in LOOPBACK or registry in LOOPBACK


class RegistryClient:
    """One registry host; methods name the repository they act on."""

    def __init__(
        self,
        registry: str,
        *,
        credentials: Credentials | None = None,
        plain_http: bool | None = None,
        tag_lock: TagLock | None = None,
    ) -> None:
        self.registry = registry
        self._tag_lock = tag_lock or local_tag_lock
        use_http = _is_loopback(registry) if plain_http is None else plain_http
        self.base = f"{'http' if use_http else 'https'}://{registry}"
        self._session = requests.Session()
        self._session.mount("http://", HTTPAdapter(max_retries=_RETRY))
        self._session.mount("https://", HTTPAdapter(max_retries=_RETRY))
        self._auth = Authenticator(self._session, credentials)
        self._referrers_api: dict[str, bool] = {}

    def close(self) -> None:
        self._session.close()

    def lock_tag(self, repository: str, tag: str) -> AbstractContextManager[object]:
        """Hold while reading, changing and writing back `repository:tag` (see attestations.oci.locks)."""
        return self._tag_lock(f"{self.registry}/{repository}:{tag}")

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------------------------------
    def _request(self, method: str, path: str, *, scope: str, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else f"{self.base}{path}"
        extra = kwargs.pop("headers", {})
        for attempt in (1, 2):
            # credentials go only to this registry, never to an upload/redirect location elsewhere
            own = url.startswith(self.base + "/")
            headers = {**extra, **(self._auth.headers(scope) if own else {})}
            try:
                resp = self._session.request(method, url, headers=headers, timeout=60, **kwargs)
            except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                raise RegistryUnavailable(
                    f"registry {self.registry} unreachable: {exc.__class__.__name__}"
                ) from exc
            if resp.status_code == 401 and attempt == 1 and own and self._auth.answer(resp, scope):
                resp.close()
                continue
            break
        if resp.status_code in (401, 403):
            raise RegistryAuthError(
                f"registry {self.registry} denied {method} for {scope}: check DOCKGATE_REGISTRY_CREDENTIALS"
            )
        if resp.status_code >= 500 or resp.status_code == 429:
            raise RegistryUnavailable(
                f"registry {self.registry} answered {resp.status_code} to {method} after retries"
            )
        return resp

    def _fail(self, resp: requests.Response, what: str) -> RegistryError:
        if resp.status_code == 404:
            return NotFound(f"{what} not found in {self.registry}")
        detail = resp.text[:200].replace("\n", " ")
        return RegistryError(f"registry {self.registry} refused {what}: {resp.status_code} {detail}")

    @staticmethod
    def _pull(repository: str) -> str:
        return f"repository:{repository}:pull"

    @staticmethod
    def _push(repository: str) -> str:
        return f"repository:{repository}:pull,push"

    # -- manifests ------------------------------------------------------------------------------------
    def get_manifest(self, repository: str, reference: str) -> Manifest:
        """Fetch a manifest or index by tag or digest; a digest reference is verified."""
        resp = self._request(
            "GET",
            f"/v2/{repository}/manifests/{reference}",
            scope=self._pull(repository),
            headers={"Accept": ", ".join(MANIFEST_TYPES)},
        )
        if resp.status_code != 200:
            raise self._fail(resp, f"manifest {repository}:{reference}")
        raw = resp.content
        if len(raw) > MAX_MANIFEST_BYTES:
            raise RegistryError(f"manifest {repository}:{reference} is larger than 4 MiB: refusing it")
        digest = digest_of(raw)
        expected = reference if ":" in reference else resp.headers.get("Docker-Content-Digest")
        if expected and expected.startswith("sha256:") and expected != digest:
            raise DigestMismatch(f"manifest {repository}@{expected} content hashes to {digest}")
        media_type = resp.headers.get("Content-Type", "").split(";")[0].strip()
        try:
            media_type = json.loads(raw).get("mediaType") or media_type
        except (ValueError, AttributeError):
            raise RegistryError(f"manifest {repository}:{reference} is not a JSON object") from None
        return Manifest(raw=raw, media_type=media_type, digest=digest)

    def put_manifest(self, repository: str, reference: str, raw: bytes, media_type: str) -> str:
        """Upload a manifest under a tag or its digest; returns its digest."""
        digest = digest_of(raw)
        if ":" in reference and reference != digest:
            raise DigestMismatch(f"refusing to push a manifest to {reference}: its content is {digest}")
        resp = self._request(
            "PUT",
            f"/v2/{repository}/manifests/{reference}",
            scope=self._push(repository),
            data=raw,
            headers={"Content-Type": media_type},
        )
        if resp.status_code not in (200, 201, 202):
            raise self._fail(resp, f"manifest push {repository}:{reference}")
        if resp.headers.get("OCI-Subject"):
            self._referrers_api[repository] = True
        logger.debug("pushed manifest %s:%s (%s)", repository, reference, digest)
        return digest

    def manifest_exists(self, repository: str, reference: str) -> bool:
        """HEAD a manifest; True when the tag or digest resolves."""
        resp = self._request(
            "HEAD",
            f"/v2/{repository}/manifests/{reference}",
            scope=self._pull(repository),
            headers={"Accept": ", ".join(MANIFEST_TYPES)},
        )
        return resp.status_code == 200

    # -- blobs ----------------------------------------------------------------------------------------
    def blob_exists(self, repository: str, digest: str) -> bool:
        resp = self._request(
            "HEAD", f"/v2/{repository}/blobs/{validate_digest(digest)}", scope=self._pull(repository)
        )
        return resp.status_code == 200

    def open_blob(self, repository: str, digest: str) -> IO[bytes]:
        """Stream a blob; the digest is checked when the stream reaches its end."""
        resp = self._request(
            "GET",
            f"/v2/{repository}/blobs/{validate_digest(digest)}",
            scope=self._pull(repository),
            stream=True,
        )
        if resp.status_code != 200:
            raise self._fail(resp, f"blob {repository}@{digest}")
        raw = VerifyingReader(resp.iter_content(chunk_size=1 << 16), digest, close_source=resp)
        return io.BufferedReader(raw)

    def get_blob(self, repository: str, digest: str, *, max_size: int | None = None) -> bytes:
        """Fetch a whole blob into memory (verified); `max_size` bounds untrusted blobs."""
        with self.open_blob(repository, digest) as stream:
            data = stream.read() if max_size is None else stream.read(max_size + 1)
            if max_size is not None and len(data) > max_size:
                raise RegistryError(
                    f"blob {repository}@{digest} is larger than {max_size} bytes: refusing it"
                )
            if max_size is not None:
                stream.read(1)  # reach EOF so the digest is verified
        return data

    def put_blob(self, repository: str, data: bytes) -> str:
        """Upload a blob monolithically unless the registry already has it; returns its digest."""
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        if not self.blob_exists(repository, digest):
            self._upload(repository, digest, data, len(data))
        return digest

    def put_blob_stream(self, repository: str, digest: str, stream: IO[bytes], size: int) -> None:
        """Upload `size` bytes from `stream` as blob `digest` without holding them in memory."""
        if not self.blob_exists(repository, validate_digest(digest)):
            self._upload(repository, digest, SizedStream(stream, size), size)

    def _upload(self, repository: str, digest: str, body: bytes | SizedStream, size: int) -> None:
        resp = self._request("POST", f"/v2/{repository}/blobs/uploads/", scope=self._push(repository))
        if resp.status_code != 202 or "Location" not in resp.headers:
            raise self._fail(resp, f"blob upload to {repository}")
        location = urljoin(self.base + "/", resp.headers["Location"])
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
        sep = "&" if "?" in location else "?"
        url = f"{location}{sep}digest={digest}"
        resp = self._request("PUT", url, scope=self._push(repository), data=body, headers=headers)
        if resp.status_code not in (201, 204):
            raise self._fail(resp, f"blob upload {repository}@{digest}")

    def mount_blob(self, repository: str, digest: str, from_repository: str) -> bool:
        """Cross-repository mount; False when the registry started an upload instead (then cancelled)."""
        scope = f"{self._push(repository)} {self._pull(from_repository)}"
        resp = self._request(
            "POST",
            f"/v2/{repository}/blobs/uploads/",
            scope=scope,
            params={"mount": validate_digest(digest), "from": from_repository},
        )
        if resp.status_code == 201:
            return True
        if resp.status_code == 202 and "Location" in resp.headers:
            self._request("DELETE", urljoin(self.base + "/", resp.headers["Location"]), scope=scope)
            return False
        raise self._fail(resp, f"blob mount {from_repository}@{digest} -> {repository}")

    # -- tags and referrers ---------------------------------------------------------------------------
    def list_tags(self, repository: str) -> list[str]:
        """All tags, following the Link pagination header."""
        tags: list[str] = []
        path: str | None = f"/v2/{repository}/tags/list?n=1000"
        while path:
            resp = self._request("GET", path, scope=self._pull(repository))
            if resp.status_code != 200:
                raise self._fail(resp, f"tag list of {repository}")
            tags.extend(resp.json().get("tags") or [])
            nxt = resp.links.get("next", {}).get("url")
            path = urljoin(self.base + "/", nxt) if nxt else None
        return tags

    def referrers(
        self, repository: str, digest: str, artifact_type: str | None = None
    ) -> list[dict[str, Any]]:
        """Descriptors of manifests whose subject is `digest`: referrers API, else the tag-schema index."""
        validate_digest(digest)
        if self._referrers_api.get(repository, True):
            params = {"artifactType": artifact_type} if artifact_type else None
            resp = self._request(
                "GET",
                f"/v2/{repository}/referrers/{digest}",
                scope=self._pull(repository),
                params=params,
                headers={"Accept": OCI_INDEX},
            )
            if resp.status_code == 200 and resp.headers.get("Content-Type", "").startswith(OCI_INDEX):
                self._referrers_api[repository] = True
                return _filter(resp.json().get("manifests") or [], artifact_type)
            self._referrers_api[repository] = False
        try:
            index = self.get_manifest(repository, digest.replace(":", "-", 1))
        except NotFound:
            return []
        if index.media_type not in INDEX_TYPES:
            return []
        return _filter(index.json().get("manifests") or [], artifact_type)

    def has_referrers_api(self, repository: str, digest: str) -> bool:
        """Probe (once per repository) whether the registry serves the OCI 1.1 referrers API."""
        if repository not in self._referrers_api:
            self.referrers(repository, digest)
        return self._referrers_api[repository]


def _filter(descriptors: list[dict[str, Any]], artifact_type: str | None) -> list[dict[str, Any]]:
    if artifact_type is None:
        return list(descriptors)
    return [d for d in descriptors if d.get("artifactType") == artifact_type]
