"""The evidence layer: in-toto statements, DSSE, Sigstore bundles, signers, OCI storage, verification.

Entry points (import from the module; this package imports nothing so `attestations.errors` stays cheap):

- `attestations.oci`: `RegistryClient`, `parse_reference`, `load_credentials` (OCI distribution client)
- `attestations.statements` / `attestations.predicates`: `Statement`, `image_subject`, predicate builders
- `attestations.signing`: `Signer` protocol, `KeySigner`, `KeylessSigner`, `backends.to_backend`
- `attestations.attach`: `sign_image`, `attach_attestations` (bundle referrers + cosign legacy tags)
- `attestations.verify`: `verify_image` -> `VerificationReport`; `attestations.policy.VerificationPolicy`
- `attestations.promote`: `copy_image_with_attestations` (tag pushed last)
"""
