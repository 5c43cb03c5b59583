"""What a verifier trusts (public keys, a keyless identity) and which predicate types it requires."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
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
class Window:
    """When a key or identity is trusted (either end open).

    Key-signed bundles carry no trusted time, so windows are checked against the verification time:
    retiring a key makes its signatures stop verifying (re-sign what must stay valid); a key or an
    identity can be trusted ahead of its start for a planned rotation.
    """

    not_before: datetime | None = None
    not_after: datetime | None = None

    def __post_init__(self) -> None:
        for moment in (self.not_before, self.not_after):
            if moment is not None and moment.tzinfo is None:
                raise ConfigError("validity window times need a timezone (e.g. 2026-12-01T00:00:00Z)")
        if self.not_before and self.not_after and self.not_before >= self.not_after:
            raise ConfigError(f"validity window ends ({self.not_after}) before it starts ({self.not_before})")

    def outside(self, at: datetime) -> str | None:
        """Why `at` is outside the window, or None when it is inside."""
        if self.not_before is not None and at < self.not_before:
            return f"not valid before {self.not_before.isoformat()}"
        if self.not_after is not None and at > self.not_after:
            return f"expired on {self.not_after.isoformat()}"
        return None


@dataclass(frozen=True)
class TrustedIdentity:
    """A keyless signer: certificate SAN (exact or full-match regexp) + OIDC issuer, in a window."""

    issuer: str
    identity: str | None = None
    identity_regexp: str | None = None
    window: Window = Window()

    def __post_init__(self) -> None:
        if bool(self.identity) == bool(self.identity_regexp):
            raise ConfigError("a trusted identity needs exactly one of identity / identityRegexp")
        if not self.issuer:
            raise ConfigError(f"trusted identity {self.identity or self.identity_regexp} needs an issuer")
        if self.identity_regexp:
            try:
                re.compile(self.identity_regexp)
            except re.error as exc:
                raise ConfigError(f"invalid certificate identity regexp: {exc}") from exc

    def certificate_policy(self) -> CertificatePolicy:
        from sigstore.verify import policy as sigstore_policy

        if self.identity:
            return sigstore_policy.Identity(identity=self.identity, issuer=self.issuer)
        assert self.identity_regexp is not None
        return sigstore_policy.AllOf(
            [sigstore_policy.OIDCIssuer(self.issuer), _IdentityRegexp(self.identity_regexp)]
        )


@dataclass(frozen=True)
class VerificationPolicy:
    """`public_keys`, and/or keyless: `identity` or `identity_regexp` + `issuer` + `trusted_root`.

    Rotation: several keys (each with an optional validity window in `key_windows`, keyed by the
    cosign key hint) and several identities (`identities`, each with a window) may be trusted at once.
    """

    public_keys: tuple[ec.EllipticCurvePublicKey, ...] = ()
    identity: str | None = None
    identity_regexp: str | None = None
    issuer: str | None = None
    trusted_root: TrustedRoot | None = field(default=None, repr=False)
    required_predicate_types: tuple[str, ...] = (IMAGE_SIGNATURE,)
    max_referrers: int = 64
    max_bundle_bytes: int = 1 << 20
    key_windows: Mapping[str, Window] = field(default_factory=dict)
    identities: tuple[TrustedIdentity, ...] = ()
    at: datetime | None = None  # the verification time; None: now

    def __post_init__(self) -> None:
        single = bool(self.identity or self.identity_regexp)
        if not self.public_keys and not single and not self.identities:
            raise ConfigError(
                "verification policy trusts nobody: give a public key or a certificate identity"
            )
        if single and not (self.issuer and self.trusted_root):
            raise ConfigError(
                "keyless verification needs --certificate-oidc-issuer and a Sigstore trusted root"
            )
        if self.identities and self.trusted_root is None:
            raise ConfigError("keyless verification needs a Sigstore trusted root")
        if self.identity_regexp:
            try:
                re.compile(self.identity_regexp)
            except re.error as exc:
                raise ConfigError(f"invalid certificate identity regexp: {exc}") from exc

    @property
    def keyless(self) -> bool:
        return bool(self.identity or self.identity_regexp or self.identities)

    def now(self) -> datetime:
        return self.at or datetime.now(UTC)

    def trusted_identities(self) -> tuple[TrustedIdentity, ...]:
        single: tuple[TrustedIdentity, ...] = ()
        if self.identity or self.identity_regexp:
            assert self.issuer is not None
            single = (TrustedIdentity(self.issuer, self.identity, self.identity_regexp),)
        return (*single, *self.identities)

    def key_outside_window(self, key: ec.EllipticCurvePublicKey) -> str | None:
        """Why `key` may not be used now (its window), or None."""
        from attestations.signing.keys import key_hint

        window = self.key_windows.get(key_hint(key))
        return window.outside(self.now()) if window else None

    def certificate_policy(self) -> CertificatePolicy:
        """The sigstore-python policy: any trusted identity whose window holds now (exact SAN, or a
        full-match regexp, plus the issuer)."""
        from sigstore.errors import VerificationError
        from sigstore.verify import policy as sigstore_policy

        current = [i for i in self.trusted_identities() if i.window.outside(self.now()) is None]
        if not current:
            raise VerificationError("every trusted certificate identity is outside its validity window")
        if len(current) == 1:
            return current[0].certificate_policy()
        return sigstore_policy.AnyOf([i.certificate_policy() for i in current])


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
    """YAML, paths relative to the file:

    keys: [old.pub, {path: new.pub, notBefore: 2026-12-01T00:00:00Z, notAfter: ...}]
    identity | identityRegexp: ...      # one keyless signer, with `issuer`
    issuer: https://token.actions.githubusercontent.com
    identities: [{identity | identityRegexp, issuer, notBefore, notAfter}]   # several (rotation)
    require: [sign, cyclonedx, ...]
    """
    try:
        doc: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read verification policy {path}: {exc.__class__.__name__}") from exc
    if not isinstance(doc, Mapping):
        raise ConfigError(f"verification policy {path} must be a mapping")
    unknown = set(doc) - {"keys", "identity", "identityRegexp", "issuer", "identities", "require"}
    if unknown:
        raise ConfigError(f"verification policy {path}: unknown keys {sorted(unknown)}")
    from attestations.signing.keys import key_hint

    keys: list[ec.EllipticCurvePublicKey] = []
    windows: dict[str, Window] = {}
    for item in doc.get("keys") or []:
        entry = item if isinstance(item, Mapping) else {"path": item}
        _only(entry, {"path", "notBefore", "notAfter"}, f"{path}: keys entry")
        key = load_public_key(path.parent / str(entry.get("path", "")))
        keys.append(key)
        window = _window(entry, f"{path}: key {entry.get('path')}")
        if window != Window():
            windows[key_hint(key)] = window
    identities = []
    for item in doc.get("identities") or []:
        if not isinstance(item, Mapping):
            raise ConfigError(f"{path}: each identities entry must be a mapping")
        _only(item, {"identity", "identityRegexp", "issuer", "notBefore", "notAfter"}, f"{path}: identity")
        name = item.get("identity") or item.get("identityRegexp")
        identities.append(
            TrustedIdentity(
                issuer=str(item.get("issuer") or ""),
                identity=item.get("identity"),
                identity_regexp=item.get("identityRegexp"),
                window=_window(item, f"{path}: identity {name}"),
            )
        )
    keyless = bool(doc.get("identity") or doc.get("identityRegexp") or identities)
    require = tuple(predicate_type_for(str(t)) for t in doc.get("require", ["sign"]))
    return VerificationPolicy(
        public_keys=tuple(keys),
        key_windows=windows,
        identity=doc.get("identity"),
        identity_regexp=doc.get("identityRegexp"),
        issuer=doc.get("issuer"),
        identities=tuple(identities),
        trusted_root=trusted_root() if trusted_root and keyless else None,
        required_predicate_types=require,
    )


def _only(entry: Mapping[str, Any], allowed: set[str], what: str) -> None:
    unknown = set(entry) - allowed
    if unknown:
        raise ConfigError(f"{what}: unknown keys {sorted(unknown)}")


def _window(entry: Mapping[str, Any], what: str) -> Window:
    start, end = _moment(entry.get("notBefore"), what), _moment(entry.get("notAfter"), what)
    try:
        return Window(start, end)
    except ConfigError as exc:
        raise ConfigError(f"{what}: {exc}") from exc


def _moment(value: Any, what: str) -> datetime | None:
    """An RFC 3339 time with a timezone (YAML may have parsed it already); a bare date is midnight UTC."""
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(f"{what}: {value!r} is not an RFC 3339 time") from exc
    if moment.tzinfo is None:
        raise ConfigError(f"{what}: {value!r} needs a timezone (e.g. 2026-12-01T00:00:00Z)")
    return moment
