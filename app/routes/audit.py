"""The whole audit log, paged (analyst and admin keys); per-note history is under /v1/notes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app import audit_export
from app.deps import AuditReader, SessionDep

router = APIRouter(prefix="/v1", tags=["audit"])


class AuditRecordOut(BaseModel):
    """One audit event as stored."""

    id: int
    at: datetime
    actor: str
    actor_key_id: int | None
    action: str
    entity: str
    entity_id: int
    note_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    correlation_id: str | None


@router.get("/audit", response_model=list[AuditRecordOut])
def get_audit_log(
    session: SessionDep,
    actor: AuditReader,
    since: datetime | None = None,
    after_id: Annotated[int, Query(ge=0, le=2**31 - 1, description="last id already read")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditRecordOut]:
    """Audit events oldest first; page on with ``after_id`` = the last id received."""
    events = audit_export.page(session, since=since, after_id=after_id, limit=limit)
    return [AuditRecordOut.model_validate(e, from_attributes=True) for e in events]
