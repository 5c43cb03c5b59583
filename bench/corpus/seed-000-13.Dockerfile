# Additional security layers for production
FROM api:base as production

# Remove unnecessary binaries
RUN find / -type f -perm /4000 -exec rm -f {} \; 2>/dev/null || true

# Add security scanning
RUN pip install safety && \
    safety check

# Read-only root filesystem (set in k8s)
# Drop all capabilities (set in k8s)
# No new privileges (set in k8s)
