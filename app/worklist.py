"""The review worklist: notes that need a coder, filtered and paged, oldest first."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import repository
from app.errors import InvalidRequest
from app.schemas import WorklistItem, WorklistPage
from app.tables import Note

_OPEN = ["needs_review", "in_review"]
_ALL = [*_OPEN, "finalized"]


def worklist(
    session: Session,
    *,
    status: str | None,
    setting: str | None,
    date_from: date | None,
    date_to: date | None,
    coder: str | None,
    limit: int,
    offset: int,
) -> WorklistPage:
    """One page of notes; without a status filter, the notes not yet finalized."""
    if status is not None and status not in _ALL:
        raise InvalidRequest(f"status must be one of {', '.join(_ALL)}")
    if date_from is not None and date_to is not None and date_from > date_to:
        raise InvalidRequest("date_from is after date_to")
    query = repository.worklist_query(
        statuses=[status] if status else _OPEN,
        setting=setting,
        date_from=date_from,
        date_to=date_to,
        coder=coder,
    )
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    notes = list(
        session.scalars(query.order_by(Note.created_at, Note.id).limit(limit).offset(offset))
    )
    counts = repository.suggestion_counts(session, [n.id for n in notes])
    items = [
        WorklistItem.model_validate(
            {
                "note_id": n.id,
                "encounter_id": n.encounter_id,
                "date_of_service": n.date_of_service,
                "setting": n.setting,
                "status": n.status,
                "suggestion_count": counts.get(n.id, (0, 0))[0],
                "pending_count": counts.get(n.id, (0, 0))[1],
                "created_at": n.created_at,
            }
        )
        for n in notes
    ]
    return WorklistPage(items=items, total=total, limit=limit, offset=offset)
