"""Notes: post (one or a batch), read, suggestions, FHIR Bundle of accepted codes, history."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, Field, ValidationError

from app import audit, fhir_out, views
from app.deps import (
    Admin,
    Auditor,
    CoderDep,
    CodeSetsDep,
    CorrelationDep,
    Integration,
    NoteReader,
    SessionDep,
    SettingsDep,
)
from app.erase import erase_note
from app.errors import NoteNotFound, RequestTooLarge, error_body, status_for
from app.finalize import current_codes
from app.intake import Intake, code_note
from app.routes import REPLAY_RESPONSE, RowId, json_response
from app.runtime import Runtime
from app.schemas import AuditEventOut, EraseIn, NoteCoded, NoteIn, NoteOut, SuggestionsOut
from app.tables import Note
from codesets.errors import CACError

router = APIRouter(prefix="/v1", tags=["notes"])
log = logging.getLogger("cac.app")

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Repeating a request with the same key returns the first result.",
    ),
]


def _note(session: SessionDep, note_id: int) -> Note:
    note = session.get(Note, note_id)
    if note is None:
        raise NoteNotFound(f"no note with id {note_id}")
    return note


def count_intake(request: Request, source: str, done: Intake) -> None:
    """Update the intake metrics for a newly coded note (a replay is not counted)."""
    if not done.replayed:
        runtime: Runtime = request.app.state.runtime
        runtime.metrics.note_coded(source, done.coding_ms)


@router.post(
    "/notes",
    status_code=201,
    response_model=NoteCoded,
    responses=REPLAY_RESPONSE,
)
def post_note(
    note: NoteIn,
    request: Request,
    session: SessionDep,
    coder: CoderDep,
    settings: SettingsDep,
    actor: Integration,
    cid: CorrelationDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Code a note synchronously; every suggestion needs review. Repeats return the first result."""
    done = code_note(
        session,
        coder=coder,
        note=note,
        actor=actor,
        max_chars=settings.max_note_chars,
        idempotency_key=idempotency_key,
        correlation_id=cid,
    )
    count_intake(request, "api", done)
    return json_response(
        views.note_coded(session, done),
        status_code=200 if done.replayed else 201,
        headers={"Location": f"/v1/notes/{done.note.id}"},
    )


class BatchItem(BaseModel):
    """One note of a batch and its optional idempotency key."""

    note: dict[str, Any]
    idempotency_key: str | None = Field(default=None, max_length=200)


class BatchIn(BaseModel):
    """Up to the configured number of notes."""

    notes: list[BatchItem] = Field(min_length=1)


class BatchResult(BaseModel):
    """The outcome of one batch item: the coded note, or an error naming what went wrong."""

    index: int
    status: int
    note: NoteCoded | None = None
    error: dict[str, Any] | None = None


class BatchOut(BaseModel):
    """Per-item outcomes, in request order."""

    results: list[BatchResult]


def _item_error(index: int, status: int, error: Exception, message: str, cid: str) -> BatchResult:
    return BatchResult(index=index, status=status, error=error_body(error, message, cid)["error"])


@router.post("/notes:batch", response_model=BatchOut)
def post_batch(
    batch: BatchIn,
    request: Request,
    session: SessionDep,
    coder: CoderDep,
    settings: SettingsDep,
    actor: Integration,
    cid: CorrelationDep,
) -> BatchOut:
    """Code several notes; one failing note is reported in its result and never stops the rest."""
    if len(batch.notes) > settings.batch_max_notes:
        raise RequestTooLarge(f"a batch holds at most {settings.batch_max_notes} notes")
    results: list[BatchResult] = []
    for index, item in enumerate(batch.notes):
        try:
            note = NoteIn.model_validate(item.note)
            done = code_note(
                session,
                coder=coder,
                note=note,
                actor=actor,
                max_chars=settings.max_note_chars,
                idempotency_key=item.idempotency_key,
                correlation_id=cid,
            )
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            results.append(_item_error(index, 422, error, f"{field}: {first['msg']}", cid))
            continue
        except CACError as error:
            session.rollback()
            results.append(_item_error(index, status_for(error), error, error.message, cid))
            continue
        except Exception as error:  # one note's pipeline failure must not fail the batch
            session.rollback()
            log.error("batch item %d failed: %s cid=%s", index, type(error).__name__, cid)
            results.append(_item_error(index, 500, error, f"internal error; quote {cid}", cid))
            continue
        count_intake(request, "batch", done)
        coded = views.note_coded(session, done)
        results.append(BatchResult(index=index, status=200 if done.replayed else 201, note=coded))
    log.info("batch done items=%d cid=%s", len(results), cid)
    return BatchOut(results=results)


@router.get("/notes/{note_id}", response_model=NoteOut)
def get_note(note_id: RowId, session: SessionDep, actor: NoteReader) -> NoteOut:
    """A stored note with its encounter metadata and review status."""
    return views.note_out(_note(session, note_id))


@router.get("/notes/{note_id}/suggestions", response_model=SuggestionsOut)
def get_suggestions(note_id: RowId, session: SessionDep, actor: NoteReader) -> SuggestionsOut:
    """The note's suggestions with evidence, decisions, added codes and run versions."""
    return views.suggestions_view(session, _note(session, note_id))


@router.get(
    "/notes/{note_id}/fhir",
    responses={200: {"content": {"application/fhir+json": {}}}},
    response_class=Response,
)
def get_fhir(
    note_id: RowId, session: SessionDep, codes: CodeSetsDep, actor: NoteReader
) -> Response:
    """The note's accepted codes (its final set once finalized) as a FHIR R4 Bundle."""
    note = _note(session, note_id)
    accepted = [(c.system, c.code, c.description) for c in current_codes(session, codes, note)]
    bundle = fhir_out.bundle(note, accepted)
    return Response(bundle.model_dump_json(), media_type="application/fhir+json")


@router.get("/notes/{note_id}/audit", response_model=list[AuditEventOut])
def get_audit(note_id: RowId, session: SessionDep, actor: Auditor) -> list[AuditEventOut]:
    """Who did what to this note and when, oldest first."""
    _note(session, note_id)
    return [views.audit_out(event) for event in audit.for_note(session, note_id)]


@router.post("/notes/{note_id}/erase", response_model=NoteOut)
def post_erase(
    note_id: RowId, body: EraseIn, session: SessionDep, actor: Admin, cid: CorrelationDep
) -> NoteOut:
    """Erase the note's text and every excerpt of it on request; codes and audit trail stay."""
    note = erase_note(session, note_id=note_id, reason=body.reason, actor=actor, correlation_id=cid)
    return views.note_out(note)
