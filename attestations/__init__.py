"""The evidence layer: in-toto statements, DSSE, Sigstore bundles, signers, OCI storage, verification."""
