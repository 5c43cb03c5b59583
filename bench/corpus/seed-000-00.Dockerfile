# =============================================================================
# STAGE 1: Builder Stage
# Purpose: Compile dependencies and prepare virtual environment
# Why multi-stage: Reduces final image size by ~60% and removes build tools
# =============================================================================
FROM python:3.11-slim as builder

# Install build dependencies
# Note: We need gcc/g++ for packages with C extensions (numpy, scikit-learn)
# git is required for pip installing from git repositories
RUN apt-get update && apt-get install -y \
    gcc \
    g++ \
    git \
    && rm -rf /var/lib/apt/lists/*

# Create virtual environment
# Why venv: Isolates dependencies, makes them portable between stages
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

# Copy only requirements first (Docker layer caching optimization)
# This means if code changes but requirements don't, this layer is cached
COPY requirements/evaluator.txt /tmp/requirements.txt

# Install dependencies with specific flags:
# --no-cache-dir: Reduces image size by not storing pip cache
# --no-deps for some packages: Prevents dependency conflicts
RUN pip install --no-cache-dir -r /tmp/requirements.txt

# =============================================================================
# STAGE 2: Runtime Stage  
# Purpose: Minimal runtime environment for security and size
# Base image: python:3.11-slim (Debian-based, ~150MB vs 900MB for full)
# =============================================================================
FROM python:3.11-slim

# Security: Create non-root user
# UID 1000 is convention for first non-root user
# Why: Prevents container escape to root, limits damage from exploits
RUN useradd -m -u 1000 -s /bin/bash evaluator

# Copy virtual environment from builder
# --from=builder: References previous stage
# This brings in only the installed packages, not build tools
COPY --from=builder /opt/venv /opt/venv

# Environment variables for Python and evaluation limits
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    EVAL_TIMEOUT=3600 \
    MAX_MEMORY_MB=8192

# Create required directories with proper permissions
# /app/evaluations: Where evaluation scripts are copied
# /app/logs: Evaluation logs (read by monitoring)
# /app/results: Output artifacts
RUN mkdir -p /app/evaluations /app/logs /app/results && \
    chown -R evaluator:evaluator /app

WORKDIR /app

# Copy application code with correct ownership
# --chown: Sets ownership during copy (more efficient than separate chown)
COPY --chown=evaluator:evaluator src/evaluator /app/evaluator
COPY --chown=evaluator:evaluator src/utils /app/utils

# Security hardening: Set strict file permissions
# 755 for directories: owner rwx, others r-x (need execute to enter dirs)
# 644 for Python files: owner rw-, others r-- (no execute needed for Python)
RUN chmod -R 755 /app && \
    find /app -type f -name "*.py" -exec chmod 644 {} \;

# Switch to non-root user (critical security measure)
USER evaluator

# Health check: Ensures container is responsive
# --interval: Check every 30s
# --timeout: Fail if check takes >10s  
# --start-period: Grace period during startup
# --retries: Mark unhealthy after 3 failures
HEALTHCHECK --interval=30s --timeout=10s --start-period=5s --retries=3 \
    CMD python -c "import sys; sys.exit(0)"

# Entry point: Use exec form for proper signal handling
# This ensures Python receives SIGTERM for graceful shutdown
ENTRYPOINT ["python", "-m", "evaluator.main"]
