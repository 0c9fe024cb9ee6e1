"""The review worklist: notes that need a coder, filtered, sorted and paged."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from sqlalchemy import ColumnElement, UnaryExpression, asc, case, desc, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app import audit, repository
from app.errors import InvalidRequest
from app.schemas import WorklistItem, WorklistPage, as_utc
from app.tables import Note, SuggestionRow

_OPEN = ["needs_review", "in_review"]
_ALL = [*_OPEN, "finalized"]

WorklistSort = Literal["age", "date_of_service", "suggestions", "pending", "encounter_id"]
SortOrder = Literal["asc", "desc"]


def _like_pattern(text: str) -> str:
    """A LIKE pattern finding ``text`` anywhere, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def worklist(
    session: Session,
    *,
    status: str | None,
    setting: str | None,
    date_from: date | None,
    date_to: date | None,
    coder: str | None,
    encounter: str | None = None,
    sort: WorklistSort = "age",
    order: SortOrder = "desc",
    limit: int,
    offset: int,
) -> WorklistPage:
    """One page of notes; without a status filter, the notes not yet finalized.

    ``sort`` orders by the note's age (``desc``: oldest first, the default), date of service,
    number of suggestions, of suggestions still pending, or encounter id; ties keep the order
    the notes came in, and notes without the sorted value come last either way.
    """
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
    if encounter:
        query = query.where(func.lower(Note.encounter_id).like(_like_pattern(encounter), "\\"))
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    pending = func.sum(case((SuggestionRow.status == "needs_review", 1), else_=0))
    counts = (
        select(
            SuggestionRow.note_id.label("note_id"),
            func.count().label("total"),
            pending.label("pending"),
        )
        .group_by(SuggestionRow.note_id)
        .subquery()
    )
    keys: dict[str, UnaryExpression[Any]] = {
        # an older note has a greater age: ascending age is newest first
        "age": Note.created_at.desc() if order == "asc" else Note.created_at.asc(),
        "date_of_service": _ordered(Note.date_of_service, order),
        "suggestions": _ordered(func.coalesce(counts.c.total, 0), order),
        "pending": _ordered(func.coalesce(counts.c.pending, 0), order),
        "encounter_id": _ordered(func.lower(Note.encounter_id), order),
    }
    tiebreak = Note.id.desc() if sort == "age" and order == "asc" else Note.id.asc()
    notes = list(
        session.scalars(
            query.outerjoin(counts, counts.c.note_id == Note.id)
            .order_by(keys[sort].nulls_last(), tiebreak)
            .limit(limit)
            .offset(offset)
        )
    )
    tallies = repository.suggestion_counts(session, [n.id for n in notes])
    now = audit.now()
    items = [
        WorklistItem.model_validate(
            {
                "note_id": n.id,
                "encounter_id": n.encounter_id,
                "date_of_service": n.date_of_service,
                "setting": n.setting,
                "status": n.status,
                "suggestion_count": tallies.get(n.id, (0, 0))[0],
                "pending_count": tallies.get(n.id, (0, 0))[1],
                "created_at": n.created_at,
                "age_seconds": max(0, int((now - as_utc(n.created_at)).total_seconds())),
            }
        )
        for n in notes
    ]
    return WorklistPage(items=items, total=total, limit=limit, offset=offset)


def _ordered(
    column: ColumnElement[Any] | InstrumentedAttribute[Any], order: SortOrder
) -> UnaryExpression[Any]:
    return asc(column) if order == "asc" else desc(column)
