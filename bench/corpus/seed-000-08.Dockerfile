# =============================================================================
# API Gateway Dockerfile
# Purpose: RESTful API + WebSocket server for platform interaction
# Security Level: Medium (exposed to network but not running user code)
# =============================================================================
FROM python:3.11-slim

# Install system dependencies
# curl: Required for health checks and debugging
# postgresql-client: For database migrations (optional)
RUN apt-get update && apt-get install -y \
    curl \
    && rm -rf /var/lib/apt/lists/*

# Create non-root user for API service
# Different UID (1001) to distinguish from evaluator service
RUN useradd -m -u 1001 -s /bin/bash api

# Set working directory early (helps with debugging)
WORKDIR /app

# Copy and install requirements
# Separate from code for layer caching
COPY requirements/api.txt /app/requirements.txt

# Install Python dependencies as root (for system packages)
# Then switch to non-root user
RUN pip install --no-cache-dir -r requirements.txt

# Copy application code with correct ownership
# Note: We copy after pip install for better caching
COPY --chown=api:api src/api /app/api
COPY --chown=api:api src/utils /app/utils

# Create necessary directories for runtime
# logs: Application logs (consider external volume)
# temp: Temporary file uploads
RUN mkdir -p /app/logs /app/temp && \
    chown -R api:api /app/logs /app/temp

# Environment variables for configuration
# These can be overridden at runtime
ENV PYTHONUNBUFFERED=1 \
    API_HOST=0.0.0.0 \
    API_PORT=8000 \
    API_WORKERS=4 \
    LOG_LEVEL=INFO

# Switch to non-root user
USER api

# Expose port (documentation only, doesn't actually open ports)
EXPOSE 8000

# Health check using curl to hit health endpoint
# More realistic than Python check for API service
HEALTHCHECK --interval=30s --timeout=10s --start-period=5s --retries=3 \
    CMD curl -f http://localhost:8000/health || exit 1

# Run with Uvicorn in production mode
# --host 0.0.0.0: Listen on all interfaces (needed for container)
# --port 8000: Standard port for internal services
# --workers 4: Multiple workers for concurrency (adjust based on CPU)
# Note: In k8s, you might want single worker and scale pods instead
CMD ["uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]

# =============================================================================
# Alternative: Production-optimized version with Gunicorn
# =============================================================================
# For production, consider Gunicorn with Uvicorn workers:
# 
# CMD ["gunicorn", "api.main:app", \
#      "--workers", "4", \
#      "--worker-class", "uvicorn.workers.UvicornWorker", \
#      "--bind", "0.0.0.0:8000", \
#      "--access-logfile", "-", \
#      "--error-logfile", "-"]
