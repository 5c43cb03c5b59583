"""`POST /webhooks/github`: verify, route, enqueue, answer 202; 503 when the jobs cannot be stored.

The handler is O(1) and never calls GitHub or Docker: it answers 2xx only once its jobs are in
Redis, so a Redis outage shows on GitHub as failed deliveries that the sweeper redelivers.

It is the one hot route, so it is a plain WSGI endpoint mounted in front of the Flask app
(`app.wsgi_app`), not a Flask view: Flask's per-request machinery (request and app contexts,
URL adapter, session interface, hooks, `Response` object) costs more CPU than everything the
contract asks of a delivery except the Redis write. Every other path goes on to Flask.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import orjson
import redis
import simdjson

from app.state import AppState
from app.webhooks.handlers import router
from app.webhooks.routing import Payload
from app.webhooks.signature import SignatureError, verify
from workers import queues

try:  # the server `dockgate serve` runs under
    from gunicorn.http.body import LengthReader as _LengthReader  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - gunicorn is a dependency; another WSGI server may be used
    _LengthReader = None

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger(__name__)

PATH = "/webhooks/github"
MAX_BODY_BYTES = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB
_CHUNK = 1024 * 1024
_REASONS = {
    200: "200 OK",
    202: "202 Accepted",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    405: "405 Method Not Allowed",
    413: "413 Content Too Large",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}
Answer = tuple[int, str, dict[str, Any]]  # status, outcome (the metric label), JSON body


class _TooLarge(Exception):
    pass


class _Truncated(Exception):
    pass


class WebhookEndpoint:
    """WSGI middleware: serves :data:`PATH` itself and hands every other request to `app`."""

    def __init__(self, app: WSGIApplication, state: AppState) -> None:
        self.app = app
        self.state = state

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH:
            return self.app(environ, start_response)
        started = time.perf_counter()
        event = environ.get("HTTP_X_GITHUB_EVENT", "")
        if environ.get("REQUEST_METHOD") != "POST":
            status, outcome, body = 405, "method", {"error": "use POST for webhook deliveries"}
            headers = [("Allow", "POST")]
        else:
            headers = []
            try:
                status, outcome, body = receive(self.state, environ)
            except Exception:
                logger.exception("webhook delivery failed", extra={"event": event})
                status, outcome, body = 500, "error", {"error": "internal error; GitHub may redeliver"}
        # Only a verified delivery names its event in metrics: anyone can send any header.
        label = event if outcome not in ("bad_signature", "too_large", "method") else "-"
        self.state.metrics.count(label or "-", outcome, time.perf_counter() - started)
        data = orjson.dumps(body)
        start_response(
            _REASONS[status],
            [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *headers],
        )
        return [data]


def receive(state: AppState, environ: WSGIEnvironment) -> Answer:
    """The whole contract of one delivery, from the WSGI environ to the answer."""
    event = environ.get("HTTP_X_GITHUB_EVENT", "")
    try:
        body = _read_body(environ)
    except _TooLarge:
        return 413, "too_large", {"error": "payload larger than 25 MB"}
    except _Truncated as exc:
        return 400, "malformed", {"error": str(exc)}
    try:
        verify(state.webhook_secret, body, environ.get("HTTP_X_HUB_SIGNATURE_256"))
    except SignatureError as exc:
        return 401, "bad_signature", {"error": exc.diagnostics()}
    delivery = environ.get("HTTP_X_GITHUB_DELIVERY", "")
    if not event or not delivery:
        return 400, "malformed", {"error": "missing X-GitHub-Event or X-GitHub-Delivery"}
    try:
        payload = parse(body)
    except ValueError:  # simdjson's errors, UnicodeDecodeError included
        return 400, "malformed", {"error": "body is not valid JSON"}
    if not isinstance(payload, Mapping):
        return 400, "malformed", {"error": "body is not a JSON object"}
    if event == "ping":
        return 200, "ping", {"pong": True, "zen": payload.get("zen")}
    try:
        specs = router.dispatch(event, payload)
    except (KeyError, TypeError, ValueError) as exc:
        return 400, "malformed", {"error": f"payload lacks a needed field: {exc}"}
    if not specs:
        what = f"{event}.{payload.get('action')}" if payload.get("action") else event
        return 202, "ignored", {"ignored": what, "delivery": delivery}
    return _enqueue(state, event, delivery, specs)


_PARSERS = threading.local()


def parse(body: bytes) -> Payload | Any:
    """The delivery as a lazy simdjson document; raises ValueError for anything but valid JSON.

    simdjson validates the whole body (structure, UTF-8, numbers) into a tape without making
    Python objects; the handlers then build only the few fields they read. A full `orjson.loads`
    of a 30 KB payload (thousands of dicts and strings made and freed again) was the largest cost
    in the handler. A parser serves one document at a time, so each thread keeps its own; a
    document still referenced from an earlier delivery (a kept traceback) gets a new parser.
    """
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = simdjson.Parser()
    try:
        return parser.parse(body)
    except RuntimeError:  # "Tried to re-use a parser while ... objects still exist"
        parser = _PARSERS.parser = simdjson.Parser()
        return parser.parse(body)


def _read_body(environ: WSGIEnvironment) -> bytes:
    """The raw body, refusing more than 25 MB before reading it when the length is declared."""
    stream = environ["wsgi.input"]
    declared = environ.get("CONTENT_LENGTH")
    if declared:
        try:
            length = int(declared)
        except ValueError:
            raise _Truncated("Content-Length is not a number") from None
        if length > MAX_BODY_BYTES:
            raise _TooLarge
        body = _gunicorn_read(stream, length)
        while len(body) < length:  # a WSGI server may return short reads
            chunk = stream.read(length - len(body))
            if not chunk:
                raise _Truncated("body shorter than its Content-Length")
            body += chunk
        return bytes(body)
    if not environ.get("wsgi.input_terminated"):
        return b""  # no length and a stream that may not end: PEP 3333 says read nothing
    parts, size = [], 0
    while chunk := stream.read(_CHUNK):  # chunked transfer encoding: stop at the limit
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _TooLarge
        parts.append(chunk)
    return b"".join(parts)


def _gunicorn_read(stream: Any, length: int) -> bytes:
    """`stream.read(length)`, but straight from gunicorn's length reader when nothing was read yet.

    gunicorn's `Body.read(n)` pulls the body 1 KiB at a time, each piece sliced off an 8 KiB socket
    read and the rest pushed back into a `BytesIO`: for a 30 KB delivery that is a third of the
    handler's own CPU. Its `LengthReader` returns the same bytes in socket-sized reads. Any other
    server, or a body already partly read, takes the plain WSGI `read`.
    """
    reader: Any = getattr(stream, "reader", None)
    if _LengthReader is not None and type(reader) is _LengthReader and not stream.buf.tell():
        return bytes(reader.read(length))
    return bytes(stream.read(length))


def _enqueue(state: AppState, event: str, delivery: str, specs: list[queues.JobSpec]) -> Answer:
    log = {"delivery_id": delivery, "event": event}
    try:
        stored = queues.enqueue_delivery(state.redis, delivery, specs)
    except redis.RedisError as exc:
        logger.error("queue unavailable, delivery refused: %s", exc, extra=log)
        return 503, "unavailable", {"error": "job queue unavailable; redeliver later"}
    if stored is None:
        return 200, "duplicate", {"duplicate": True, "delivery": delivery, "jobs": []}
    logger.info("delivery stored %d new job(s)", stored, extra=log)
    jobs = [spec.job_id for spec in specs]
    return 202, "enqueued", {"delivery": delivery, "jobs": jobs, "new": stored}
