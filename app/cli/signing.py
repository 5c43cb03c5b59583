"""`dockgate keygen / sign / attest / verify`: cosign-shaped commands over the attestations package.

Only the argument parsers live here; the handlers (`app.cli.signing_commands`) import the registry
client and the signers when a command runs, so `dockgate --help` and the other commands start fast.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import Any


def _lazy(name: str) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        command: Callable[[argparse.Namespace], int] = getattr(
            importlib.import_module("app.cli.signing_commands"), name
        )
        return command(args)

    return handler


def _signing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image_ref", help="registry/repository[:tag][@digest]")
    parser.add_argument(
        "--key",
        help="PREFIX.key (password in DOCKGATE_SIGNING_KEY_PASSWORD), or a KMS key reference "
        "(filekms:///path/key.pem, or a scheme from a dockgate.kms plug-in); default: keyless",
    )
    parser.add_argument("--trust-config", help="keyless: ClientTrustConfig file, or production/staging")
    parser.add_argument("--no-legacy", action="store_true", help="skip cosign's legacy .sig/.att layout")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def register(commands: Any) -> None:
    parser = commands.add_parser("keygen", help="write an ECDSA P-256 key pair PREFIX.key / PREFIX.pub")
    parser.add_argument("prefix")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(func=_lazy("cmd_keygen"))
    parser = commands.add_parser("sign", help="sign an image in a registry (cosign-compatible)")
    _signing_options(parser)
    parser.set_defaults(func=_lazy("cmd_sign"))
    parser = commands.add_parser("attest", help="attach a signed in-toto attestation to an image")
    _signing_options(parser)
    parser.add_argument("--predicate", required=True, help="predicate JSON file")
    parser.add_argument("--type", required=True, help="cyclonedx, slsaprovenance, vuln, lint or a URI")
    parser.set_defaults(func=_lazy("cmd_attest"))
    parser = commands.add_parser(
        "verify", help="verify an image's signature and attestations (exit 1 if not)"
    )
    parser.add_argument("image_ref")
    parser.add_argument(
        "--key", action="append", help="trusted public key PEM or KMS key reference (repeatable)"
    )
    parser.add_argument("--certificate-identity", help="keyless: exact certificate SAN")
    parser.add_argument("--certificate-identity-regexp", help="keyless: SAN full-match regexp")
    parser.add_argument("--certificate-oidc-issuer", help="keyless: OIDC issuer URL")
    parser.add_argument(
        "--trust-config", help="keyless: trusted_root.json or ClientTrustConfig file, or production"
    )
    parser.add_argument("--type", action="append", help="also require this attestation type (repeatable)")
    parser.add_argument(
        "--policy",
        help="YAML policy file (keys, identities, require); --key, --certificate-identity, --type add to it",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(func=_lazy("cmd_verify"))
