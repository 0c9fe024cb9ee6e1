"""Review: the worklist, decisions, added codes, finalize and reopen (coder keys)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app import finalize as final_sets
from app import repository, review, views
from app.deps import CodeSetsDep, CorrelationDep, NoteReader, Reviewer, ReviewReader, SessionDep
from app.errors import NoteNotFinalized, NoteNotFound
from app.routes import RowId
from app.schemas import (
    AddedCodeIn,
    AddedCodeOut,
    DecisionIn,
    FinalCodeSetOut,
    NoteOut,
    ReopenIn,
    SuggestionOut,
    WorklistPage,
)
from app.worklist import SortOrder, WorklistSort, worklist

router = APIRouter(prefix="/v1", tags=["review"])


@router.get("/worklist", response_model=WorklistPage)
def get_worklist(
    session: SessionDep,
    actor: ReviewReader,
    status: Literal["needs_review", "in_review", "finalized"] | None = None,
    setting: Literal["outpatient", "inpatient"] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    coder: Annotated[str | None, Query(max_length=100, description="key name of a coder")] = None,
    encounter: Annotated[
        str | None,
        Query(
            max_length=128,
            description="only notes whose encounter id contains this (any case)",
            examples=["ENC-10"],
        ),
    ] = None,
    sort: Annotated[
        WorklistSort,
        Query(
            description="order by the note's age (time since it came in), date of service, "
            "number of suggestions, of pending suggestions, or encounter id",
            examples=["date_of_service"],
        ),
    ] = "age",
    order: Annotated[
        SortOrder,
        Query(description="desc: oldest, latest or most first (for age: oldest first)"),
    ] = "desc",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> WorklistPage:
    """Notes needing review (or of the given status), filtered, sorted (default: oldest
    first) and paged; ``total`` counts every note the filters match."""
    return worklist(
        session,
        status=status,
        setting=setting,
        date_from=date_from,
        date_to=date_to,
        coder=coder,
        encounter=encounter,
        sort=sort,
        order=order,
        limit=limit,
        offset=offset,
    )


@router.post("/suggestions/{suggestion_id}/decision", response_model=SuggestionOut)
def post_decision(
    suggestion_id: RowId,
    decision: DecisionIn,
    session: SessionDep,
    codes: CodeSetsDep,
    actor: Reviewer,
    cid: CorrelationDep,
) -> SuggestionOut:
    """Accept, reject (with a reason) or modify (to another code, with a reason) a suggestion."""
    row = review.decide(
        session,
        codes=codes,
        suggestion_id=suggestion_id,
        decision=decision,
        actor=actor,
        correlation_id=cid,
    )
    return views.suggestion_out(row)


@router.post("/notes/{note_id}/codes", status_code=201, response_model=AddedCodeOut)
def post_code(
    note_id: RowId,
    added: AddedCodeIn,
    session: SessionDep,
    codes: CodeSetsDep,
    actor: Reviewer,
    cid: CorrelationDep,
) -> AddedCodeOut:
    """Add a code the coder found, optionally with the evidence span (character offsets)."""
    row = review.add_code(
        session, codes=codes, note_id=note_id, added=added, actor=actor, correlation_id=cid
    )
    return views.added_out(row)


@router.post("/notes/{note_id}/finalize", response_model=FinalCodeSetOut)
def post_finalize(
    note_id: RowId, session: SessionDep, codes: CodeSetsDep, actor: Reviewer, cid: CorrelationDep
) -> FinalCodeSetOut:
    """Lock the note's final code set (every suggestion must be decided)."""
    final = final_sets.finalize(
        session, codes=codes, note_id=note_id, actor=actor, correlation_id=cid
    )
    return final_sets.final_set_out(session, final)


@router.post("/notes/{note_id}/reopen", response_model=NoteOut)
def post_reopen(
    note_id: RowId, body: ReopenIn, session: SessionDep, actor: Reviewer, cid: CorrelationDep
) -> NoteOut:
    """Unlock a finalized note for changes; the reason is audited and the old set kept."""
    note = final_sets.reopen(
        session, note_id=note_id, reason=body.reason, actor=actor, correlation_id=cid
    )
    return views.note_out(note)


@router.get("/notes/{note_id}/final", response_model=FinalCodeSetOut)
def get_final(note_id: RowId, session: SessionDep, actor: NoteReader) -> FinalCodeSetOut:
    """The note's current final code set."""
    if repository.get_note(session, note_id) is None:
        raise NoteNotFound(f"no note with id {note_id}")
    final = repository.current_final_set(session, note_id)
    if final is None:
        raise NoteNotFinalized(f"note {note_id} is not finalized")
    return final_sets.final_set_out(session, final)
