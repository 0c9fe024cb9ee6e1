"""Dependencies as ``Annotated`` aliases: session, coder, code sets, the caller and its role.

Tests replace ``get_coder`` and ``get_codesets`` through ``app.dependency_overrides``.

Dependencies that neither block nor touch the database are ``async``: FastAPI runs each plain
``def`` dependency on a worker thread, and those hand-offs were about a sixth of the service's own
CPU per posted note.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app import keys
from app.audit import Actor
from app.codelookup import CodeSets
from app.db import for_writing, session_scope
from app.errors import (
    AuthenticationRequired,
    PermissionDenied,
    RateLimited,
    ServiceNotReady,
)
from app.runtime import Runtime
from app.security import Role, hash_key
from app.settings import Settings
from models.coder import Coder


async def get_runtime(request: Request) -> Runtime:
    """The running service's objects."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_app_settings(runtime: RuntimeDep) -> Settings:
    """The service's settings."""
    return runtime.settings


def get_session(request: Request, runtime: RuntimeDep) -> Iterator[Session]:
    """A session for one request; whatever it did not commit is rolled back.

    Requests that may write (every method but GET and HEAD) start their transactions with the
    write lock on SQLite (``db.for_writing``).
    """
    if request.method in ("GET", "HEAD"):
        session = runtime.sessions()
    else:
        session = runtime.sessions(bind=for_writing(runtime.engine))
    try:
        yield session
    finally:
        session.rollback()
        session.close()


async def get_coder(runtime: RuntimeDep) -> Coder:
    """The loaded coder, or 503 when it failed to load."""
    if runtime.coder is None:
        raise ServiceNotReady("the coder is not loaded; see /ready")
    return runtime.coder


async def get_codesets(runtime: RuntimeDep) -> CodeSets:
    """The loaded code sets, or 503 when they failed to load."""
    if runtime.codesets is None:
        raise ServiceNotReady("the code sets are not loaded; see /ready")
    return runtime.codesets


async def correlation_id(request: Request) -> str:
    """The request's correlation id (set by the middleware)."""
    return str(getattr(request.state, "correlation_id", "-"))


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
CoderDep = Annotated[Coder, Depends(get_coder)]
CodeSetsDep = Annotated[CodeSets, Depends(get_codesets)]
CorrelationDep = Annotated[str, Depends(correlation_id)]


_BEARER = HTTPBearer(
    auto_error=False, scheme_name="ApiKey", description="`Authorization: Bearer <API key>`"
)


async def authenticate(
    request: Request,
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
) -> Actor:
    """The caller's key from ``Authorization: Bearer``; 401 without one, 429 over its rate.

    A key verified in the last ``CAC_KEY_CACHE_S`` seconds is not looked up again
    (``app.keycache``).
    """
    presented = credentials.credentials.strip() if credentials is not None else ""
    if not presented:
        raise AuthenticationRequired("send your API key as 'Authorization: Bearer <key>'")
    digest = hash_key(presented, runtime.secret)
    actor = runtime.verified_keys.get(digest)
    if actor is None:
        actor = await run_in_threadpool(_verify, runtime, presented)
        runtime.verified_keys.put(digest, actor)
    wait = runtime.buckets.take(digest)  # one bucket per key
    if wait > 0:
        raise RateLimited("too many requests for this API key; retry later", retry_after=wait)
    request.state.key_id = actor.key_id
    return actor


def _verify(runtime: Runtime, presented: str) -> Actor:
    """The active key ``presented`` names, from the database; 401 when there is none."""
    with session_scope(runtime.sessions) as session:
        row = keys.authenticate(session, secret=runtime.secret, presented=presented)
        if row is None:
            raise AuthenticationRequired("the API key is unknown or revoked")
        return Actor(name=row.name, role=row.role, key_id=row.id)


def require(*roles: Role) -> Callable[[Actor], Awaitable[Actor]]:
    """A dependency admitting only keys whose role is one of ``roles`` (else 403)."""
    allowed = {role.value for role in roles}

    async def check(actor: Annotated[Actor, Depends(authenticate)]) -> Actor:
        if actor.role not in allowed:
            raise PermissionDenied(
                f"a {actor.role} key may not do this; it needs one of: {', '.join(sorted(allowed))}"
            )
        return actor

    return check


AnyKey = Annotated[Actor, Depends(require(*Role))]
Integration = Annotated[Actor, Depends(require(Role.INTEGRATION))]
NoteReader = Annotated[Actor, Depends(require(Role.INTEGRATION, Role.CODER, Role.ANALYST))]
Reviewer = Annotated[Actor, Depends(require(Role.CODER))]
ReviewReader = Annotated[Actor, Depends(require(Role.CODER, Role.ANALYST))]
Admin = Annotated[Actor, Depends(require(Role.ADMIN))]
Auditor = Annotated[Actor, Depends(require(Role.CODER, Role.ANALYST, Role.ADMIN))]
AuditReader = Annotated[Actor, Depends(require(Role.ANALYST, Role.ADMIN))]
