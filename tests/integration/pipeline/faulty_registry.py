"""A loopback proxy in front of a real registry that fails chosen requests with 500 (failure drills)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

Rule = Callable[[str, str], bool]  # (method, path) -> fail this request?
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def fail_all(method: str, path: str) -> bool:
    return path.startswith("/v2/") and path != "/v2/"


def fail_tag_put(method: str, path: str) -> bool:
    """Fail only a manifest PUT by a release tag (not digests, not cosign's `sha256-…` evidence tags)."""
    return method == "PUT" and re.search(r"/manifests/(?!sha256[:-])[^/]+$", path) is not None


@contextmanager
def faulty_registry(upstream: str, rule: Rule) -> Iterator[tuple[str, list[str]]]:
    """Yield (host:port of the proxy, list of failed "METHOD path" strings)."""
    failed: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _forward(self) -> None:
            path = self.path
            if rule(self.command, path.split("?", 1)[0]):
                failed.append(f"{self.command} {path}")
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            upstream_response = requests.request(
                self.command,
                f"http://{upstream}{path}",
                headers=headers,
                data=body,
                allow_redirects=False,
                timeout=60,
            )
            content = upstream_response.content
            self.send_response(upstream_response.status_code)
            for key, value in upstream_response.headers.items():
                if key.lower() not in HOP:
                    value = value.replace(f"http://{upstream}", f"http://{proxy}")
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

        do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = _forward  # noqa: N815

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy = f"127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy, failed
    finally:
        server.shutdown()
        server.server_close()
