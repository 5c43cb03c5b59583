"""A tiny HTTP service: GET / greets, GET /healthz answers for the container health check."""
