"""A strict loopback GitHub: every request is validated against GitHub's published OpenAPI subset.

`../shared/github/openapi-subset.json` (21 operations) plus `openapi-extra.json` (`git/get-tree`,
cut from the same `@octokit/openapi` 23.0.2 with `extract_openapi_subset.py --op git/get-tree`).
A request outside the subset, or one the schema rejects, is logged in `request_errors` and answered
404/422; responses are validated too. It authenticates like GitHub (RS256 App JWT for `/app/...`,
installation tokens elsewhere), keeps state (installations, tokens, check runs, annotations,
deliveries, statuses, comments), serves attached bare git repositories (contents, trees, tarballs,
smart HTTP clone), and can send webhook deliveries to a target and redeliver them.

Based on `../shared/github/contract-demo/contract_server.py`.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from tests.github_emulator.operations import Operations

HERE = Path(__file__).resolve().parent
SHARED_GITHUB = Path(os.environ.get("DOCKGATE_SHARED_DIR", HERE.parents[2] / "shared")) / "github"
METHODS = ("get", "post", "patch", "put", "delete")
SLASHY = {"path", "ref", "tree_sha"}  # GitHub lets these path parameters hold '/'
DOCS = "https://docs.github.com/rest"
HookSender = Callable[[dict[str, str], bytes], int]

# Response mismatches that come from the published description itself, not from the client.
UPSTREAM_QUIRKS = [
    (r"^checks/", r"enum|None is not of type|conclusion"),
    (r".", r"Unknown response http status: (401|403|404|422|429|5\d\d)"),
    (r"^repos/get$", r"language"),
    (r"^repos/get-content$", r"discriminator|oneOf|Unknown mimetype"),
    (r"^checks/rerequest-suite$", r"."),
]


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_spec() -> dict[str, Any]:
    spec = json.loads((SHARED_GITHUB / "openapi-subset.json").read_text())
    extra = json.loads((HERE / "openapi-extra.json").read_text())
    spec["paths"].update(extra["paths"])
    for section, items in extra["components"].items():
        spec["components"].setdefault(section, {}).update(items)
    return spec


_SPEC_CACHE: dict[str, Any] = {}


def _spec_and_api() -> tuple[dict[str, Any], OpenAPI]:
    if not _SPEC_CACHE:
        spec = load_spec()
        _SPEC_CACHE.update(spec=spec, api=OpenAPI.from_dict(spec))
    return _SPEC_CACHE["spec"], _SPEC_CACHE["api"]


class Emulator(Operations):
    """`start()` → base URL; `log` has one entry per request; `contract_errors()` must stay empty."""

    def __init__(
        self,
        *,
        app_id: int,
        app_public_key_pem: str,
        installations: set[int] | None = None,
        prefix: str = "",
        webhook_secret: bytes | None = None,
    ) -> None:
        self.spec, self.api = _spec_and_api()
        self.examples = self.spec["components"]["examples"]
        self.app_id, self.public_key = str(app_id), app_public_key_pem
        self.installations = set(installations or {1})
        self.prefix = prefix.rstrip("/")
        self.webhook_secret = webhook_secret
        self.hook_sender: HookSender | None = None
        self.routes = []
        for tpl, item in self.spec["paths"].items():
            for method, op in item.items():
                if method in METHODS:
                    rx = re.escape(tpl)
                    for name in re.findall(r"\{(\w+)\}", tpl):
                        part = ".+" if name in SLASHY else "[^/]+"
                        rx = rx.replace(re.escape("{" + name + "}"), f"(?P<{name}>{part})")
                    self.routes.append((method.upper(), re.compile(f"^{rx}$"), tpl, op["operationId"]))
        self.tokens: dict[str, tuple[int, float]] = {}
        self.check_runs: dict[int, dict[str, Any]] = {}
        self.annotations: dict[int, list[dict[str, Any]]] = {}
        self.deliveries: list[dict[str, Any]] = []
        self.delivery_bodies: dict[int, tuple[dict[str, str], bytes]] = {}
        self.statuses: list[dict[str, Any]] = []
        self.comments: list[dict[str, Any]] = []
        self.repos: dict[str, dict[str, Any]] = {}
        self.permissions: dict[tuple[str, str], str] = {}
        self.ids = itertools.count(1000)
        self.faults: list[dict[str, Any]] = []
        self.log: list[dict[str, Any]] = []
        self.lock = threading.RLock()
        self.httpd: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> str:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm and the
            # client's delayed ACK stall keep-alive responses ~40 ms (bench/checkrun.py found it).
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                emulator.handle(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.root = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.base_url = self.root + self.prefix
        return self.base_url

    def stop(self) -> None:
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()

    def inject(
        self,
        operation_id: str,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Answer `times` calls of `operation_id` with this status instead, once `after` calls passed."""
        with self.lock:
            self.faults.append(
                {
                    "op": operation_id,
                    "status": status,
                    "body": body or {},
                    "headers": headers or {},
                    "times": times,
                    "after": after,
                }
            )

    def contract_errors(self) -> list[dict[str, Any]]:
        """Log entries whose request or response broke the schema (a test failure)."""
        return [e for e in self.log if e["request_errors"] or e["response_errors"]]

    def calls(self, op_id: str) -> list[dict[str, Any]]:
        return [e for e in self.log if e.get("op") == op_id]

    # ------------------------------------------------------------------ one request
    def handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        if re.match(r"^/[^/]+/[^/]+\.git/", url.path):
            status, extra, payload = self.serve_git(h, url, raw)
            content_type = extra.pop("Content-Type", "application/octet-stream")
        elif url.path.startswith("/_codeload/"):
            status, extra, payload = self.serve_codeload(url.path)
            content_type = "application/x-gzip"
        else:
            entry: dict[str, Any] = {
                "method": h.command,
                "path": url.path,
                "query": url.query,
                "request_errors": [],
                "response_errors": [],
                "auth": None,
            }
            status, body, extra = self.dispatch(h, url, raw, entry)
            payload = b"" if body is None else json.dumps(body).encode()
            content_type = "application/json; charset=utf-8"
            entry["status"] = status
            with self.lock:
                self.log.append(entry)
        h.send_response(status)
        headers = {
            "Content-Type": content_type,
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": "4999",
            "X-RateLimit-Reset": str(int(time.time()) + 3600),
            "X-GitHub-Request-Id": secrets.token_hex(8),
        }
        headers.update(extra)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)

    def dispatch(
        self, h: BaseHTTPRequestHandler, url: Any, raw: bytes, entry: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        if not url.path.startswith(self.prefix + "/"):
            entry["request_errors"].append("outside base path " + self.prefix)
            return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
        decoded = unquote(url.path[len(self.prefix) :])
        route = next(
            (
                (tpl, op, m)
                for meth, rx, tpl, op in self.routes
                if meth == h.command and (m := rx.match(decoded))
            ),
            None,
        )
        if route is None:
            entry["op"] = None
            entry["request_errors"].append(f"{h.command} {decoded}: operation not in the OpenAPI subset")
            return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
        tpl, op_id, match = route
        entry["op"] = op_id
        params = match.groupdict()
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        req = MockRequest(
            "https://api.github.com",
            h.command.lower(),
            decoded,
            path_pattern=tpl,
            view_args=params,
            args=query,
            headers=dict(h.headers.items()),
            data=raw or None,
            content_type=(h.headers.get("Content-Type") or "application/json").split(";")[0],
        )
        entry["request_errors"] += [describe(e) for e in self.api.unmarshal_request(req).errors]
        auth_error = self.check_auth(op_id, h.headers.get("Authorization", ""), entry)
        extra: dict[str, str] = {}
        if auth_error:
            status, body = auth_error
        elif fault := self.take_fault(op_id):
            status, body, extra = fault["status"], fault["body"], dict(fault["headers"])
        elif entry["request_errors"]:
            status, body = (
                422,
                {
                    "message": "Invalid request.\n\n" + "\n".join(entry["request_errors"]),
                    "documentation_url": DOCS,
                    "status": "422",
                },
            )
        else:
            data = json.loads(raw) if raw else {}
            handler = getattr(self, "op_" + op_id.replace("/", "_").replace("-", "_"))
            with self.lock:
                status, body, *rest = handler(params, query, data, entry)
            extra = rest[0] if rest else {}
        if status == 302:
            return status, None, extra
        resp = MockResponse(
            json.dumps(body).encode() if body is not None else b"",
            status_code=status,
            content_type="application/json",
        )
        errors = [describe(e) for e in self.api.unmarshal_response(req, resp).errors]
        entry["response_errors"], entry["upstream_quirks"] = split_quirks(op_id, errors)
        return status, body, extra

    def take_fault(self, op_id: str) -> dict[str, Any] | None:
        with self.lock:
            for f in self.faults:
                if f["op"] == op_id and f["times"] > 0:
                    if f["after"] > 0:  # let this call through, and count it
                        f["after"] -= 1
                        return None
                    f["times"] -= 1
                    return f
        return None

    def check_auth(self, op_id: str, header: str, entry: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if op_id == "apps/create-from-manifest":
            return None  # the one-time code is the credential
        scheme, _, cred = header.partition(" ")
        if op_id.startswith("apps/"):
            if scheme.lower() != "bearer":
                return 401, {"message": "A JSON web token could not be decoded", "documentation_url": DOCS}
            try:
                claims = jwt.decode(
                    cred,
                    self.public_key,
                    algorithms=["RS256"],
                    options={"require": ["iat", "exp", "iss"], "verify_iat": False},
                )
            except jwt.PyJWTError as e:
                return 401, {
                    "message": f"A JSON web token could not be decoded ({e})",
                    "documentation_url": DOCS,
                }
            entry["auth"] = {"type": "app-jwt", "claims": claims}
            if str(claims["iss"]) != self.app_id:
                return 401, {"message": "Integration not found", "documentation_url": DOCS}
            if claims["exp"] - time.time() > 605 or claims["iat"] > time.time() + 5:
                return 401, {
                    "message": "'Expiration time' claim ('exp') is too far in the future",
                    "documentation_url": DOCS,
                }
            return None
        grant = self.tokens.get(cred)
        if scheme.lower() not in ("token", "bearer") or grant is None or grant[1] < time.time():
            return 401, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}
        entry["auth"] = {"type": "installation-token", "installation_id": grant[0]}
        return None

    # ------------------------------------------------------------------ helpers
    def example(self, name: str, owner: str = "octocat", repo: str = "Hello-World") -> Any:
        text = json.dumps(self.examples[name]["value"])
        text = re.sub(
            r"https://api\.github\.com/repos/[^/\"]+/[^/\"]+", f"{self.base_url}/repos/{owner}/{repo}", text
        )
        return json.loads(text.replace("https://api.github.com", self.base_url))

    def token_valid(self, token: str) -> bool:
        grant = self.tokens.get(token)
        return grant is not None and grant[1] > time.time()


def split_quirks(op_id: str, errors: list[str]) -> tuple[list[str], list[str]]:
    real, quirks = [], []
    for e in errors:
        hit = any(re.search(op_rx, op_id or "") and re.search(err_rx, e) for op_rx, err_rx in UPSTREAM_QUIRKS)
        (quirks if hit else real).append(e)
    return real, quirks


def describe(err: Exception) -> str:
    cause = err.__cause__ or err
    subs = getattr(cause, "schema_errors", None) or getattr(err, "schema_errors", None)
    if subs:
        return "; ".join(
            f"{type(err).__name__}: {s.validator} {s.message[:160]} at /{'/'.join(map(str, s.absolute_path))}"
            for s in subs
        )
    return f"{type(err).__name__}: {str(cause)[:200]}"
