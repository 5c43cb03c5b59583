"""The handlers of `dockgate keygen / sign / attest / verify` (imported only when one of them runs).

Registry credentials come from DOCKGATE_REGISTRY_CREDENTIALS; keyless signing from the Sigstore
settings (DOCKGATE_SIGSTORE_TRUST_CONFIG or DOCKGATE_SIGSTORE_INSTANCE, identity token from
DOCKGATE_SIGSTORE_IDENTITY_TOKEN_PATH or SIGSTORE_IDENTITY_TOKEN); key passwords from
DOCKGATE_SIGNING_KEY_PASSWORD (or a prompt on a terminal). Never from argv.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import ec

from attestations.attach import attach_attestations, resolve_image, sign_image
from attestations.errors import UsageError
from attestations.oci import ImageReference, RegistryClient, load_credentials, parse_reference
from attestations.policy import TrustedIdentity, VerificationPolicy, load_policy_file
from attestations.signing.backends import SignerBackend, backend_for_key, to_backend
from attestations.signing.base import Signer
from attestations.signing.keys import PASSWORD_ENV, load_public_key, password_from_env, write_keypair
from attestations.signing.kms import is_kms_reference, kms_client
from attestations.statements import IMAGE_SIGNATURE, Statement, image_subject, predicate_type_for
from attestations.verify import VerificationReport, verify_image

if TYPE_CHECKING:
    from sigstore.models import TrustedRoot


def _client(ref: ImageReference) -> RegistryClient:
    path = os.environ.get("DOCKGATE_REGISTRY_CREDENTIALS")
    credentials = load_credentials(Path(path)).get(ref.registry) if path else None
    return RegistryClient(ref.registry, credentials=credentials)


def _trust_source(args: argparse.Namespace) -> str:
    return str(
        getattr(args, "trust_config", None)
        or os.environ.get("DOCKGATE_SIGSTORE_TRUST_CONFIG")
        or os.environ.get("DOCKGATE_SIGSTORE_INSTANCE", "production")
    )


def _signer(args: argparse.Namespace) -> Signer:
    if args.key and backend_for_key(args.key) is SignerBackend.KMS:
        return to_backend(SignerBackend.KMS, key_ref=args.key)
    if args.key:
        return to_backend(SignerBackend.KEY, key_path=Path(args.key))
    return to_backend(SignerBackend.KEYLESS, sigstore_instance=_trust_source(args))


def _password() -> bytes:
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV].encode()
    if not sys.stdin.isatty():
        raise UsageError(f"no password for the private key: set {PASSWORD_ENV}")
    first = getpass.getpass("password for the private key: ")
    if first != getpass.getpass("again: "):
        raise UsageError("the passwords differ")
    return first.encode()


def _emit(args: argparse.Namespace, doc: dict[str, Any], text: str) -> None:
    print(json.dumps(doc, indent=2) if args.format == "json" else text)


def cmd_keygen(args: argparse.Namespace) -> int:
    key_path, pub_path = write_keypair(Path(args.prefix), _password())
    _emit(
        args, {"private_key": str(key_path), "public_key": str(pub_path)}, f"wrote {key_path} and {pub_path}"
    )
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    ref = parse_reference(args.image_ref)
    with _client(ref) as client:
        attached = sign_image(ref, _signer(args), client, legacy=not args.no_legacy)
    doc = {"image": str(ref), "referrer": attached.referrer_digest, "legacy_tag": attached.legacy_tag}
    _emit(args, doc, f"signed {ref}: referrer {attached.referrer_digest}")
    return 0


def cmd_attest(args: argparse.Namespace) -> int:
    ref = parse_reference(args.image_ref)
    try:
        predicate = json.loads(Path(args.predicate).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read predicate {args.predicate}: expected a JSON file") from exc
    if not isinstance(predicate, dict):
        raise UsageError(f"predicate {args.predicate} must be a JSON object")
    predicate_type = predicate_type_for(args.type)
    with _client(ref) as client:
        pinned, manifest = resolve_image(ref, client)
        statement = Statement((image_subject(pinned.name, manifest.digest),), predicate_type, predicate)
        (attached,) = attach_attestations(
            pinned, [statement], _signer(args), client, legacy=not args.no_legacy
        )
    doc = {"image": str(pinned), "predicateType": predicate_type, "referrer": attached.referrer_digest}
    _emit(args, doc, f"attested {predicate_type} for {pinned}: referrer {attached.referrer_digest}")
    return 0


def _trusted_root(args: argparse.Namespace) -> TrustedRoot:
    from attestations.signing.keyless import load_trusted_root  # imports sigstore: keyless only

    return load_trusted_root(_trust_source(args))


def _public_key(key: str) -> ec.EllipticCurvePublicKey:
    """A PEM public key file, or the public half of a KMS key (`filekms:///...`, a plug-in scheme)."""
    if is_kms_reference(key):
        return kms_client(key, password=password_from_env() or None).public_key()
    return load_public_key(Path(key))


def verification_policy(args: argparse.Namespace) -> VerificationPolicy:
    """The policy of `dockgate verify`: the --policy file (if any) merged with the flags.

    Flags add to the file: --key adds trusted keys (no validity window), --certificate-identity(-regexp)
    with --certificate-oidc-issuer adds a trusted identity, --type adds required attestation types.
    """
    identity = args.certificate_identity or args.certificate_identity_regexp
    if args.certificate_identity and args.certificate_identity_regexp:
        raise UsageError("give --certificate-identity or --certificate-identity-regexp, not both")
    if bool(identity) != bool(args.certificate_oidc_issuer):
        raise UsageError("--certificate-identity(-regexp) and --certificate-oidc-issuer go together")
    keys = tuple(_public_key(k) for k in args.key or [])
    types = tuple(predicate_type_for(t) for t in args.type or [])
    if not args.policy:
        return VerificationPolicy(
            public_keys=keys,
            identity=args.certificate_identity,
            identity_regexp=args.certificate_identity_regexp,
            issuer=args.certificate_oidc_issuer,
            trusted_root=_trusted_root(args) if identity else None,
            required_predicate_types=tuple(dict.fromkeys((IMAGE_SIGNATURE, *types))),
        )
    policy = load_policy_file(Path(args.policy), trusted_root=lambda: _trusted_root(args))
    identities = policy.identities
    if identity:
        extra = TrustedIdentity(
            args.certificate_oidc_issuer, args.certificate_identity, args.certificate_identity_regexp
        )
        identities = (*identities, extra)
    return dataclasses.replace(
        policy,
        public_keys=(*policy.public_keys, *keys),
        identities=identities,
        trusted_root=policy.trusted_root or (_trusted_root(args) if identity else None),
        required_predicate_types=tuple(dict.fromkeys((*policy.required_predicate_types, *types))),
    )


def _render(report: VerificationReport) -> str:
    lines = [f"{report.image}"]
    for r in report.results:
        mark = "ok  " if r.verified else "FAIL"
        lines.append(
            f"  {mark} {r.predicate_type or '-'} {r.source}: {r.reason}"
            + (f" ({r.signer})" if r.signer else "")
        )
    lines.append("verified" if report.ok else f"NOT verified: missing {', '.join(report.missing)}")
    return "\n".join(lines)


def cmd_verify(args: argparse.Namespace) -> int:
    ref = parse_reference(args.image_ref)
    policy = verification_policy(args)
    with _client(ref) as client:
        report = verify_image(ref, policy, client)
    _emit(args, report.to_dict(), _render(report))
    return 0 if report.ok else 1
