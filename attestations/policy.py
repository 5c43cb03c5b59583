"""What a verifier trusts (public keys, a keyless identity) and which predicate types it requires."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from attestations.errors import ConfigError
from attestations.signing.keys import load_public_key
from attestations.statements import IMAGE_SIGNATURE, predicate_type_for

if TYPE_CHECKING:  # sigstore is imported only when keyless verification is used (CLI start-up time)
    from sigstore.models import TrustedRoot
    from sigstore.verify.policy import VerificationPolicy as CertificatePolicy

_OIDC_ISSUER_V1 = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1")


@dataclass(frozen=True)
class VerificationPolicy:
    """`public_keys`, and/or keyless: `identity` or `identity_regexp` + `issuer` + `trusted_root`."""

    public_keys: tuple[ec.EllipticCurvePublicKey, ...] = ()
    identity: str | None = None
    identity_regexp: str | None = None
    issuer: str | None = None
    trusted_root: TrustedRoot | None = field(default=None, repr=False)
    required_predicate_types: tuple[str, ...] = (IMAGE_SIGNATURE,)
    max_referrers: int = 64
    max_bundle_bytes: int = 1 << 20

    def __post_init__(self) -> None:
        keyless = bool(self.identity or self.identity_regexp)
        if not self.public_keys and not keyless:
            raise ConfigError(
                "verification policy trusts nobody: give a public key or a certificate identity"
            )
        if keyless and not (self.issuer and self.trusted_root):
            raise ConfigError(
                "keyless verification needs --certificate-oidc-issuer and a Sigstore trusted root"
            )
        if self.identity_regexp:
            try:
                re.compile(self.identity_regexp)
            except re.error as exc:
                raise ConfigError(f"invalid certificate identity regexp: {exc}") from exc

    @property
    def keyless(self) -> bool:
        return bool(self.identity or self.identity_regexp)

    def certificate_policy(self) -> CertificatePolicy:
        """The sigstore-python policy for the certificate (exact SAN, or a full-match regexp)."""
        from sigstore.verify import policy as sigstore_policy

        assert self.issuer is not None
        if self.identity:
            return sigstore_policy.Identity(identity=self.identity, issuer=self.issuer)
        assert self.identity_regexp is not None
        return sigstore_policy.AllOf(
            [sigstore_policy.OIDCIssuer(self.issuer), _IdentityRegexp(self.identity_regexp)]
        )


class _IdentityRegexp:
    """The SAN (email or URI) must fully match a regexp, like cosign's --certificate-identity-regexp."""

    def __init__(self, pattern: str) -> None:
        self._pattern = re.compile(pattern)

    def verify(self, cert: x509.Certificate) -> None:
        from sigstore.errors import VerificationError

        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound as exc:
            raise VerificationError("certificate has no subject alternative name") from exc
        names = [
            *san.get_values_for_type(x509.RFC822Name),
            *san.get_values_for_type(x509.UniformResourceIdentifier),
        ]
        if not any(self._pattern.fullmatch(name) for name in names):
            raise VerificationError(f"certificate identity {names} does not match {self._pattern.pattern!r}")


def load_policy_file(path: Path, trusted_root: Callable[[], TrustedRoot] | None = None) -> VerificationPolicy:
    """YAML {keys: [PEM paths], identity|identityRegexp, issuer, require: [types]}; relative paths."""
    try:
        doc: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read verification policy {path}: {exc.__class__.__name__}") from exc
    if not isinstance(doc, Mapping):
        raise ConfigError(f"verification policy {path} must be a mapping")
    unknown = set(doc) - {"keys", "identity", "identityRegexp", "issuer", "require"}
    if unknown:
        raise ConfigError(f"verification policy {path}: unknown keys {sorted(unknown)}")
    keys = tuple(load_public_key(path.parent / str(p)) for p in doc.get("keys", []))
    require = tuple(predicate_type_for(str(t)) for t in doc.get("require", ["sign"]))
    return VerificationPolicy(
        public_keys=keys,
        identity=doc.get("identity"),
        identity_regexp=doc.get("identityRegexp"),
        issuer=doc.get("issuer"),
        trusted_root=trusted_root()
        if trusted_root and (doc.get("identity") or doc.get("identityRegexp"))
        else None,
        required_predicate_types=require,
    )
