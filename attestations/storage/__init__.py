"""Where signed evidence lives in a registry: OCI referrers (cosign v3) and cosign legacy tags."""
