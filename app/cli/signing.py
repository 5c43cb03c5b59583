"""`dockgate keygen / sign / attest / verify` (placeholder until its issue lands)."""

from __future__ import annotations

from typing import Any

from app.cli._common import not_implemented


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "keygen",
        help="write an ECDSA P-256 key pair PREFIX.key / PREFIX.pub",
        description="write an ECDSA P-256 key pair PREFIX.key / PREFIX.pub",
    )
    parser.add_argument("prefix")
    parser.set_defaults(func=not_implemented("keygen"))
    parser = commands.add_parser(
        "sign", help="sign an image in a registry", description="sign an image in a registry"
    )
    parser.add_argument("image_ref")
    parser.add_argument("--key")
    parser.set_defaults(func=not_implemented("sign"))
    parser = commands.add_parser(
        "attest",
        help="attach a signed in-toto attestation to an image",
        description="attach a signed in-toto attestation to an image",
    )
    parser.add_argument("image_ref")
    parser.add_argument("--predicate")
    parser.add_argument("--type")
    parser.add_argument("--key")
    parser.set_defaults(func=not_implemented("attest"))
    parser = commands.add_parser(
        "verify",
        help="verify an image's signature and attestations",
        description="verify an image's signature and attestations",
    )
    parser.add_argument("image_ref")
    parser.add_argument("--key")
    parser.add_argument("--certificate-identity")
    parser.add_argument("--certificate-oidc-issuer")
    parser.add_argument("--type")
    parser.add_argument("--policy")
    parser.add_argument("--format")
    parser.set_defaults(func=not_implemented("verify"))
