"""One ASGI middleware for every request: correlation id, body-size limit, security headers,
latency metrics and a log line that holds ids and timings only (never bodies or query strings).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import RequestTooLarge, error_body
from app.metrics import Metrics

log = logging.getLogger("cac.app")

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_API_CSP = "default-src 'none'; frame-ancestors 'none'"
# The web client ships its scripts and styles as files: no inline script is ever allowed.
_UI_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# FastAPI's Swagger UI and ReDoc pages load their bundles from a CDN and bootstrap inline.
_DOCS_PATHS = ("/docs", "/redoc")


def _csp(path: str) -> str | None:
    if path.startswith(_DOCS_PATHS):
        return None
    return _UI_CSP if path.startswith("/ui") else _API_CSP


def _headers(path: str, cid: str) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-request-id", cid.encode()),
    ]
    csp = _csp(path)
    if csp is not None:
        headers.append((b"content-security-policy", csp.encode()))
    return headers


class ServiceMiddleware:
    """Wraps the whole app; see the module docstring."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one HTTP request (other scopes pass through)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        cid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["correlation_id"] = cid
        path: str = scope["path"]
        extra = _headers(path, cid)
        status: dict[str, int] = {"code": 500}
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["started"] = 1
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                # a route that set one of these itself keeps its own value, never a duplicate
                headers.extend((name, value) for name, value in extra if name not in present)
                message["headers"] = headers
            await send(message)

        too_large = f"request body over {self.max_body_bytes} bytes"
        over = {"limit": False}

        async def send_checked(message: Message) -> None:
            if not over["limit"]:
                await send_with_headers(message)
            elif message["type"] == "http.response.start":
                # the body outgrew the limit while the app read it: whatever the app made of
                # that (FastAPI answers 400) is replaced by the 413 it is
                await _send_error(send_with_headers, 413, RequestTooLarge(""), too_large, cid)

        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _send_error(send_with_headers, 413, RequestTooLarge(""), too_large, cid)
        else:
            try:
                await self.app(scope, self._limited(receive, over), send_checked)
            except Exception as error:  # the service answers 500 and stays up
                # the exception's message may quote note text, so only its type is logged
                log.error("unexpected %s cid=%s", type(error).__name__, cid)
                if "started" in status:
                    raise
                message = f"internal error; quote correlation id {cid} to support"
                await _send_error(send_with_headers, 500, error, message, cid)
        elapsed = time.perf_counter() - started
        route = getattr(scope.get("route"), "path", "unmatched")
        self.metrics.latency.labels(scope["method"], route, str(status["code"])).observe(elapsed)
        log.info(
            "%s %s status=%d ms=%.1f cid=%s key=%s",
            scope["method"],
            route,
            status["code"],
            elapsed * 1000,
            cid,
            scope["state"].get("key_id", "-"),
        )

    def _limited(self, receive: Receive, over: dict[str, bool]) -> Receive:
        seen = {"bytes": 0}
        limit = self.max_body_bytes

        async def limited() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen["bytes"] += len(message.get("body", b""))
                if seen["bytes"] > limit:
                    over["limit"] = True
                    raise RequestTooLarge(f"request body over {limit} bytes")
            return message

        return limited


async def _send_error(send: Send, status: int, error: Exception, message: str, cid: str) -> None:
    body = json.dumps(error_body(error, message, cid)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
