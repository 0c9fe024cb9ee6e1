"""Operations: liveness (no key), readiness and Prometheus metrics (any valid key)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from app import repository
from app.db import is_reachable
from app.deps import AnyKey, RuntimeDep, SessionDep
from app.routes import ERROR_RESPONSES
from app.runtime import coder_running

router = APIRouter(tags=["operations"])
# any valid key may call the keyed routes: only the key, its rate and the body size can fail
_KEYED: dict[int | str, dict[str, Any]] = {
    status: ERROR_RESPONSES[status] for status in (401, 413, 429)
}


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: the process answers (no key needed)."""
    return {"status": "ok"}


@router.get("/ready", responses={**_KEYED, 503: {"description": "not ready; the body says why"}})
def ready(runtime: RuntimeDep, actor: AnyKey) -> JSONResponse:
    """Readiness: code sets and coder loaded, database reachable."""
    checks = {
        "database": is_reachable(runtime.engine),
        "codesets": runtime.codesets is not None,
        "coder": coder_running(runtime),
    }
    ok = all(checks.values())
    body = {
        "status": "ready" if ok else "not ready",
        "checks": checks,
        "problems": runtime.load_errors,
    }
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics", response_class=Response, responses=_KEYED)
def metrics(runtime: RuntimeDep, session: SessionDep, actor: AnyKey) -> Response:
    """Prometheus text exposition: request latency, notes coded, suggestions by status."""
    body = runtime.metrics.exposition(repository.suggestions_by_status(session))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
