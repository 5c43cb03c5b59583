"""A minimal WSGI API: /health for the container health check, /v1/evaluations for clients."""

import json


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == "/health":
        status, body = "200 OK", {"status": "healthy"}
    elif path == "/v1/evaluations":
        status, body = "200 OK", {"evaluations": []}
    else:
        status, body = "404 Not Found", {"error": "not found"}
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
