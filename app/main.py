"""The FastAPI application: ``create_app(settings)`` wires database, keys, routes, middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.codelookup import CodeSets
from app.db import make_engine, make_sessionmaker
from app.errors import install_error_handlers
from app.keycache import VerifiedKeys
from app.metrics import Metrics
from app.middleware import ServiceMiddleware
from app.migrate import migrate
from app.notecrypt import cipher_from
from app.ratelimit import TokenBuckets
from app.routes import ERROR_RESPONSES, audit, codes, fhir, keys, me, notes, ops, review
from app.runtime import Runtime, close_components, load_components
from app.security import server_secret
from app.settings import Settings, get_settings
from app.web.routes import router as web_router
from models.coder import Coder

DESCRIPTION = """\
Computer-assisted coding of clinical notes: ICD-10-CM, CPT and HCPCS Level II suggestions with
evidence spans. **Every suggestion needs human review.** Send your API key as
`Authorization: Bearer <key>`; `/health` is the only route without one.
"""


def build_runtime(
    settings: Settings, *, coder: Coder | None = None, codesets: CodeSets | None = None
) -> Runtime:
    """Connect, migrate (or refuse a mismatched schema) and load the server secret."""
    engine = make_engine(settings.resolved_database_url(), cipher=cipher_from(settings))
    migrate(engine, auto=settings.auto_migrate)
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        secret=server_secret(settings),
        metrics=Metrics(),
        buckets=TokenBuckets(rate=settings.rate_limit_per_second, burst=settings.rate_limit_burst),
        verified_keys=VerifiedKeys(settings.key_cache_s),
        coder=coder,
        codesets=codesets,
    )


def create_app(
    settings: Settings | None = None,
    *,
    coder: Coder | None = None,
    codesets: CodeSets | None = None,
) -> FastAPI:
    """The service; the coder and code sets load at start-up unless supplied."""
    runtime = build_runtime(settings or get_settings(), coder=coder, codesets=codesets)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        load_components(runtime)
        yield
        close_components(runtime)

    app = FastAPI(
        title="CAC — clinical computer-assisted coding",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    for module in (notes, fhir, review, codes, keys, audit, me):
        app.include_router(module.router, responses=ERROR_RESPONSES)
    app.include_router(ops.router)
    app.include_router(web_router)
    if runtime.settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=runtime.settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
        )
    app.add_middleware(
        ServiceMiddleware,
        metrics=runtime.metrics,
        max_body_bytes=runtime.settings.max_body_bytes,
    )
    return app
