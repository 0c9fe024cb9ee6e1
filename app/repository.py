"""The SQL behind notes, runs, suggestions and review: every query the services need."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, selectinload

from app.tables import (
    AddedCode,
    ApiKey,
    CodingRun,
    Decision,
    FinalCodeSet,
    Note,
    SuggestionRow,
)


def get_note(session: Session, note_id: int) -> Note | None:
    """The note with this id."""
    return session.get(Note, note_id)


def note_by_idempotency_key(session: Session, key: str) -> Note | None:
    """The note first posted with this Idempotency-Key."""
    return session.scalars(select(Note).where(Note.idempotency_key == key)).first()


def note_by_encounter(session: Session, encounter_id: str, content_hash: str) -> Note | None:
    """The note with this encounter id and the same text."""
    query = select(Note).where(Note.encounter_id == encounter_id, Note.content_hash == content_hash)
    return session.scalars(query).first()


def latest_run(session: Session, note_id: int) -> CodingRun | None:
    """The note's newest coding run, with its suggestions and their evidence."""
    query = (
        select(CodingRun)
        .where(CodingRun.note_id == note_id)
        .order_by(CodingRun.id.desc())
        .options(selectinload(CodingRun.suggestions).selectinload(SuggestionRow.evidence))
    )
    return session.scalars(query).first()


def get_suggestion(session: Session, suggestion_id: int) -> SuggestionRow | None:
    """The suggestion with this id."""
    return session.get(SuggestionRow, suggestion_id)


def added_codes(session: Session, note_id: int) -> list[AddedCode]:
    """The codes coders added to the note, oldest first."""
    query = select(AddedCode).where(AddedCode.note_id == note_id).order_by(AddedCode.id)
    return list(session.scalars(query))


def accepted_suggestions(session: Session, note_id: int) -> list[SuggestionRow]:
    """The note's suggestions a coder accepted or modified."""
    query = (
        select(SuggestionRow)
        .where(
            SuggestionRow.note_id == note_id,
            SuggestionRow.status.in_(("accepted", "modified")),
        )
        .order_by(SuggestionRow.rank)
    )
    return list(session.scalars(query))


def pending_count(session: Session, note_id: int) -> int:
    """How many of the note's suggestions still need review."""
    query = select(func.count()).where(
        SuggestionRow.note_id == note_id, SuggestionRow.status == "needs_review"
    )
    return int(session.scalar(query) or 0)


def current_final_set(session: Session, note_id: int) -> FinalCodeSet | None:
    """The note's newest final code set that was not reopened."""
    query = (
        select(FinalCodeSet)
        .where(FinalCodeSet.note_id == note_id, FinalCodeSet.reopened_at.is_(None))
        .order_by(FinalCodeSet.version.desc())
        .options(selectinload(FinalCodeSet.codes))
    )
    return session.scalars(query).first()


def final_set_count(session: Session, note_id: int) -> int:
    """How many final code sets the note has had (the next version number minus one)."""
    query = select(func.count()).where(FinalCodeSet.note_id == note_id)
    return int(session.scalar(query) or 0)


def key_name(session: Session, key_id: int) -> str:
    """The display name of an API key."""
    key = session.get(ApiKey, key_id)
    return key.name if key is not None else f"key {key_id}"


def worklist_query(
    *,
    statuses: list[str],
    setting: str | None,
    date_from: date | None,
    date_to: date | None,
    coder: str | None,
) -> Select[tuple[Note]]:
    """Notes matching the worklist filters (unordered, unpaged)."""
    query = select(Note).where(Note.status.in_(statuses))
    if setting is not None:
        query = query.where(Note.setting == setting)
    if date_from is not None:
        query = query.where(Note.date_of_service >= date_from)
    if date_to is not None:
        query = query.where(Note.date_of_service <= date_to)
    if coder is not None:
        touched = (
            select(Decision.note_id)
            .join(ApiKey, ApiKey.id == Decision.actor_key_id)
            .where(ApiKey.name == coder)
        )
        query = query.where(Note.id.in_(touched))
    return query


def suggestion_counts(session: Session, note_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(all, still pending) suggestions per note id."""
    if not note_ids:
        return {}
    pending = func.sum(case((SuggestionRow.status == "needs_review", 1), else_=0))
    query = (
        select(SuggestionRow.note_id, func.count(), pending)
        .where(SuggestionRow.note_id.in_(note_ids))
        .group_by(SuggestionRow.note_id)
    )
    return {row[0]: (int(row[1]), int(row[2] or 0)) for row in session.execute(query)}


def suggestions_by_status(session: Session) -> dict[str, int]:
    """How many suggestions are in each review status (for metrics)."""
    query = select(SuggestionRow.status, func.count()).group_by(SuggestionRow.status)
    return {str(row[0]): int(row[1]) for row in session.execute(query)}
