"""OCI distribution client: image references, manifests, blobs, tags and referrers."""

from attestations.oci.auth import Credentials, load_credentials
from attestations.oci.client import RegistryClient
from attestations.oci.errors import (
    DigestMismatch,
    InvalidReference,
    NotFound,
    RegistryAuthError,
    RegistryError,
    RegistryUnavailable,
)
from attestations.oci.manifest import Manifest, canonical_json, digest_of
from attestations.oci.reference import ImageReference, parse_reference

__all__ = [
    "Credentials",
    "DigestMismatch",
    "ImageReference",
    "InvalidReference",
    "Manifest",
    "NotFound",
    "RegistryAuthError",
    "RegistryClient",
    "RegistryError",
    "RegistryUnavailable",
    "canonical_json",
    "digest_of",
    "load_credentials",
    "parse_reference",
]
