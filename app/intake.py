"""Note intake: code a note synchronously and store it with its run, all or nothing.

The coder runs before anything is written; the note, its run, suggestions, evidence and the
audit entry then commit in one transaction, so a failure leaves nothing half-written. A repeated
request (same Idempotency-Key, or same encounter id and text) returns the stored result.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit, repository
from app.db import begin_reading
from app.errors import IdempotencyConflict, NoteTooLarge
from app.schemas import NoteIn
from app.tables import Base, CodingRun, EvidenceRow, Note, SuggestionRow
from models.coder import Coder, TimedCoder
from models.schema import CodingResult, DocumentationQuery, MentionOut

log = logging.getLogger("cac.app")

# The note, its run, suggestions and evidence are written with Core INSERTs, not ORM objects:
# for a 400-word note (16 suggestions, 28 evidence spans) the ORM flush of the suggestions and
# evidence took 3.3 ms of CPU on SQLite and 3.9 ms on PostgreSQL, their INSERTs 0.5 and 1.2 ms,
# and the note and run rows took 1.1 ms of the HTTP process's 5.6 ms holding the GIL per note
# at 8 clients (same rows, same values: the column types still seal note text and encode JSON).
_NOTES = Base.metadata.tables[Note.__tablename__]
_RUNS = Base.metadata.tables[CodingRun.__tablename__]
_MENTIONS = TypeAdapter(list[MentionOut])
_QUERIES = TypeAdapter(list[DocumentationQuery])
_SUGGESTIONS = Base.metadata.tables[SuggestionRow.__tablename__]
_EVIDENCE = Base.metadata.tables[EvidenceRow.__tablename__]


@dataclass(frozen=True, slots=True)
class Stored:
    """What one request wrote: the coder's result and the id of each suggestion's row."""

    result: CodingResult
    suggestion_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Intake:
    """The stored note and whether it was an earlier request's result.

    ``stored`` is set when this request coded and stored the note, so the answer is built from
    it without reading back what was just written (a replay reads the stored run).
    """

    note: Note
    replayed: bool
    coding_ms: float = 0.0
    stored: Stored | None = None


def content_hash(text: str) -> str:
    """SHA-256 of the note text (UTF-8), hex encoded."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _existing(session: Session, note: NoteIn, digest: str, key: str | None) -> Note | None:
    if key is not None:
        found = repository.note_by_idempotency_key(session, key)
        if found is not None:
            if found.content_hash != digest or found.encounter_id != note.encounter_id:
                raise IdempotencyConflict(
                    "this Idempotency-Key was already used for a different note"
                )
            return found
    if note.encounter_id is not None:
        return repository.note_by_encounter(session, note.encounter_id, digest)
    return None


def _store(
    session: Session,
    *,
    note: NoteIn,
    digest: str,
    key: str | None,
    source: str,
    result: CodingResult,
    started: float,
    elapsed_ms: float,
    stage_ms: dict[str, float],
    actor: audit.Actor,
    correlation_id: str | None,
) -> tuple[Note, Stored]:
    values: dict[str, Any] = {
        "text": note.text,
        "content_hash": digest,
        "idempotency_key": key,
        "encounter_id": note.encounter_id,
        "patient_ref": note.patient_ref,
        "note_type": note.note_type,
        "setting": note.setting,
        "date_of_service": note.date_of_service,
        "specialty": note.specialty,
        "source": source,
        "status": "needs_review",
        "created_at": audit.now(),
        "created_by": actor.key_id,
    }
    note_id = int(session.scalars(insert(_NOTES).returning(_NOTES.c.id), [values]).one())
    # the stored row as an object for the answer; it is not in the session (nothing is loaded
    # or written through it)
    row = Note(id=note_id, **values)
    versions = result.versions
    run = {
        "note_id": note_id,
        "icd10cm_version": versions.icd10cm,
        "hcpcs_version": versions.hcpcs,
        "cpt_version": versions.cpt,
        "model_version": versions.model,
        "pipeline_version": versions.pipeline,
        "started_at": datetime.fromtimestamp(started, UTC),
        "duration_ms": elapsed_ms,
        "details": {
            "mentions": _MENTIONS.dump_python(result.mentions, mode="json"),
            "documentation_queries": _QUERIES.dump_python(
                result.documentation_queries, mode="json"
            ),
            "no_suggestions_reason": result.no_suggestions_reason,
            "stage_ms": {stage: round(ms, 3) for stage, ms in stage_ms.items()},
        },
    }
    run_id = int(session.scalars(insert(_RUNS).returning(_RUNS.c.id), [run]).one())
    ids = _insert_suggestions(session, run_id=run_id, note_id=note_id, result=result)
    audit.record(
        session,
        actor=actor,
        action="note.create",
        entity="note",
        entity_id=note_id,
        note_id=note_id,
        after={
            "encounter_id": note.encounter_id,
            "content_hash": digest,
            "source": source,
            "run_id": run_id,
            "suggestions": len(result.suggestions),
        },
        correlation_id=correlation_id,
    )
    session.commit()
    return row, Stored(result, tuple(ids))


def _insert_suggestions(
    session: Session, *, run_id: int, note_id: int, result: CodingResult
) -> list[int]:
    """Insert the run's suggestions and their evidence; the suggestions' ids, in result order."""
    if not result.suggestions:
        return []
    suggestions: list[dict[str, Any]] = [
        {
            "run_id": run_id,
            "note_id": note_id,
            "system": suggestion.system,
            "code": suggestion.code,
            "description": suggestion.description,
            "billable": suggestion.billable,
            "confidence": suggestion.confidence,
            "rank": suggestion.rank,
            "rationale": suggestion.rationale,
            "warnings": list(suggestion.warnings),
            "linked": [link.model_dump(mode="json") for link in suggestion.linked],
            "is_sample": suggestion.is_sample,
            "status": "needs_review",
            "final_code": None,
            "reason": None,
        }
        for suggestion in result.suggestions
    ]
    # sort_by_parameter_order: the returned ids are in the order of the rows given
    returning = _SUGGESTIONS.c.id
    query = insert(_SUGGESTIONS).returning(returning, sort_by_parameter_order=True)
    ids = [int(i) for i in session.scalars(query, suggestions)]
    evidence = [
        {
            "suggestion_id": suggestion_id,
            "start": e.start,
            "end": e.end,
            "text": e.text,
            "section": e.section,
            "assertion": e.assertion,
        }
        for suggestion_id, suggestion in zip(ids, result.suggestions, strict=True)
        for e in suggestion.evidence
    ]
    if evidence:
        session.execute(insert(_EVIDENCE), evidence)
    return ids


def code_note(
    session: Session,
    *,
    coder: Coder,
    note: NoteIn,
    actor: audit.Actor,
    max_chars: int,
    idempotency_key: str | None = None,
    source: str = "api",
    correlation_id: str | None = None,
) -> Intake:
    """Code ``note`` and store everything, or return the stored result of the same request."""
    if len(note.text) > max_chars:
        raise NoteTooLarge(f"note text has {len(note.text)} characters; the limit is {max_chars}")
    digest = content_hash(note.text)
    # the look-up for an earlier identical request only reads: it does not queue for the write
    # lock behind other requests' commits (``benchmarks/http_load.py``, 8 clients, two runs
    # each: p95 98.5-101.3 -> 95.1-95.3 ms)
    begin_reading(session)
    found = _existing(session, note, digest, idempotency_key)
    if found is not None:
        return Intake(found, replayed=True)
    session.rollback()  # hold no database snapshot while the coder runs
    started = time.time()
    clock = time.perf_counter()
    if isinstance(coder, TimedCoder):
        result, stage_ms = coder.code_timed(
            note.text, setting=note.setting, date_of_service=note.date_of_service
        )
    else:
        result = coder.code(note.text, setting=note.setting, date_of_service=note.date_of_service)
        stage_ms = {}
    elapsed_ms = (time.perf_counter() - clock) * 1000
    try:
        row, stored = _store(
            session,
            note=note,
            digest=digest,
            key=idempotency_key,
            source=source,
            result=result,
            started=started,
            elapsed_ms=elapsed_ms,
            stage_ms=stage_ms,
            actor=actor,
            correlation_id=correlation_id,
        )
    except IntegrityError:
        # a concurrent identical request won the race: answer with its result
        session.rollback()
        found = _existing(session, note, digest, idempotency_key)
        if found is None:
            raise
        return Intake(found, replayed=True)
    log.info("note coded id=%d suggestions=%d ms=%.1f", row.id, len(result.suggestions), elapsed_ms)
    return Intake(row, replayed=False, coding_ms=elapsed_ms, stored=stored)
