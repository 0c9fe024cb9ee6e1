"""Erase a note's text on request (right to deletion), keeping the billing record and audit.

The note's text, its patient reference and every excerpt of it (evidence spans, rationales that
quote it, mentions, documentation queries, added codes' evidence) are cleared in one
transaction together with a ``note.erase`` audit entry. Codes, decisions, final code sets and
the audit trail stay: they are the record of what was billed and who decided it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app import audit, repository
from app.errors import NoteNotFound
from app.tables import Note


def erase_note(
    session: Session,
    *,
    note_id: int,
    reason: str,
    actor: audit.Actor,
    correlation_id: str | None = None,
) -> Note:
    """Clear the note's text and every excerpt of it; erasing twice changes nothing more."""
    note = session.get(Note, note_id, with_for_update=True)
    if note is None:
        raise NoteNotFound(f"no note with id {note_id}")
    if note.text_erased_at is not None:
        return note
    excerpts = 0
    for run in note.runs:
        run.details = {**run.details, "mentions": [], "documentation_queries": []}
        for suggestion in run.suggestions:
            suggestion.rationale = ""
            for evidence in suggestion.evidence:
                evidence.text = ""
                excerpts += 1
    for added in repository.added_codes(session, note_id):
        if added.evidence_text is not None:
            added.evidence_text = None
            excerpts += 1
    erased_chars = len(note.text)
    note.text = ""
    note.patient_ref = None
    note.text_erased_at = audit.now()
    audit.record(
        session,
        actor=actor,
        action="note.erase",
        entity="note",
        entity_id=note.id,
        note_id=note.id,
        before={"text_chars": erased_chars, "evidence_excerpts": excerpts},
        after={"reason": reason, "text_erased_at": note.text_erased_at.isoformat()},
        correlation_id=correlation_id,
    )
    session.commit()
    return note
