"""Signers: the Signer protocol, key-based (ECDSA P-256) and keyless (Sigstore) backends."""
