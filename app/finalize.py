"""Final code sets: finalize locks a note's accepted codes; reopen unlocks it, both audited.

A reopened set is kept (marked reopened, with who, when and why); the next finalize writes a
new version, so no final code set is ever lost.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app import audit, repository
from app.codelookup import CodeSets, parse_system
from app.errors import NoteNotFinalized, NoteNotFound, ReviewIncomplete
from app.review import key_id, open_note
from app.schemas import FinalCodeOut, FinalCodeSetOut
from app.tables import FinalCode, FinalCodeSet, Note


def _codes(session: Session, codes: CodeSets, note: Note) -> list[FinalCode]:
    final: list[FinalCode] = []
    for s in repository.accepted_suggestions(session, note.id):
        description = s.description
        if s.final_code is not None:
            description = codes.lookup(
                parse_system(s.system), s.final_code, date_of_service=note.date_of_service
            ).description
        final.append(
            FinalCode(
                system=s.system,
                code=s.final_code or s.code,
                description=description,
                source="suggestion",
                source_id=s.id,
            )
        )
    final.extend(
        FinalCode(
            system=a.system, code=a.code, description=a.description, source="added", source_id=a.id
        )
        for a in repository.added_codes(session, note.id)
    )
    return final


def current_codes(session: Session, codes: CodeSets, note: Note) -> list[FinalCode]:
    """The note's codes: its final set when finalized, else what coders accepted so far."""
    if note.status == "finalized":
        final = repository.current_final_set(session, note.id)
        if final is not None:
            return list(final.codes)
    return _codes(session, codes, note)


def finalize(
    session: Session,
    *,
    codes: CodeSets,
    note_id: int,
    actor: audit.Actor,
    correlation_id: str | None = None,
) -> FinalCodeSet:
    """Lock the note's final code set; every suggestion must have a decision first."""
    note = open_note(session, note_id)
    pending = repository.pending_count(session, note.id)
    if pending:
        raise ReviewIncomplete(
            f"note {note.id} still has {pending} suggestion(s) without a decision"
        )
    final = FinalCodeSet(
        note_id=note.id,
        version=repository.final_set_count(session, note.id) + 1,
        finalized_at=audit.now(),
        finalized_by=key_id(actor),
    )
    final.codes = _codes(session, codes, note)
    session.add(final)
    session.flush()
    before = {"status": note.status}
    note.status = "finalized"
    audit.record(
        session,
        actor=actor,
        action="note.finalize",
        entity="note",
        entity_id=note.id,
        note_id=note.id,
        before=before,
        after={
            "status": "finalized",
            "version": final.version,
            "codes": [f"{c.system}:{c.code}" for c in final.codes],
        },
        correlation_id=correlation_id,
    )
    session.commit()
    return final


def reopen(
    session: Session,
    *,
    note_id: int,
    reason: str,
    actor: audit.Actor,
    correlation_id: str | None = None,
) -> Note:
    """Unlock a finalized note; its final set is kept and marked reopened."""
    note = repository.get_note(session, note_id)
    if note is None:
        raise NoteNotFound(f"no note with id {note_id}")
    final = repository.current_final_set(session, note.id)
    if note.status != "finalized" or final is None:
        raise NoteNotFinalized(f"note {note.id} is not finalized")
    final.reopened_at = audit.now()
    final.reopened_by = key_id(actor)
    final.reopen_reason = reason.strip()
    note.status = "in_review"
    audit.record(
        session,
        actor=actor,
        action="note.reopen",
        entity="note",
        entity_id=note.id,
        note_id=note.id,
        before={"status": "finalized", "version": final.version},
        after={"status": "in_review", "reason": final.reopen_reason},
        correlation_id=correlation_id,
    )
    session.commit()
    return note


def final_set_out(session: Session, final: FinalCodeSet) -> FinalCodeSetOut:
    """A final code set as the API shows it."""
    return FinalCodeSetOut(
        note_id=final.note_id,
        version=final.version,
        finalized_at=final.finalized_at,
        finalized_by=repository.key_name(session, final.finalized_by),
        codes=[
            FinalCodeOut.model_validate(
                {
                    "system": c.system,
                    "code": c.code,
                    "description": c.description,
                    "source": c.source,
                }
            )
            for c in final.codes
        ],
    )
