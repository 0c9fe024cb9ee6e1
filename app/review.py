"""The coder's review: decisions on suggestions and added codes, each checked and audited.

A decision must name a code of the note's code-set release (the one its coding run used) and
must not conflict with the codes already accepted on the note; a finalized note is locked.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app import audit, repository
from app.codelookup import CodeSets, parse_system, run_version
from app.conflicts import Coded, find_conflict
from app.errors import (
    DecisionConflict,
    InvalidDecision,
    InvalidRequest,
    NoteFinalized,
    NoteNotFound,
    PermissionDenied,
    SuggestionNotFound,
)
from app.schemas import AddedCodeIn, DecisionIn
from app.tables import AddedCode, Decision, Note, SuggestionRow
from codesets.errors import CACError, UnknownCodeSystem
from codesets.model import Code, System

_STATUS_OF = {"accept": "accepted", "reject": "rejected", "modify": "modified"}


def open_note(session: Session, note_id: int) -> Note:
    """The note, refusing one that is finalized (changes need an explicit reopen)."""
    # lock the note row (PostgreSQL) so two coders' checks and writes on it run one at a time
    note = session.get(Note, note_id, with_for_update=True)
    if note is None:
        raise NoteNotFound(f"no note with id {note_id}")
    if note.status == "finalized":
        raise NoteFinalized(f"note {note_id} is finalized; reopen it before changing its codes")
    return note


def _checked_code(session: Session, codes: CodeSets, note: Note, system: System, code: str) -> Code:
    """The code as the note's release defines it, or ``InvalidDecision`` saying why not."""
    run = repository.latest_run(session, note.id)
    if run is None:
        raise NoteNotFound(f"note {note.id} has no coding run")
    try:
        found = codes.lookup(system, code.strip().upper(), date_of_service=note.date_of_service)
    except UnknownCodeSystem:
        raise
    except CACError as error:
        raise InvalidDecision(error.message) from error
    expected = run_version(
        system, icd10cm=run.icd10cm_version, hcpcs=run.hcpcs_version, cpt=run.cpt_version
    )
    if found.version != expected:
        raise InvalidDecision(
            f"{found.code} was looked up in {system.value} {found.version}, but this note was "
            f"coded with {expected}"
        )
    return found


def _coded(session: Session, note_id: int, *, skip_suggestion: int | None = None) -> list[Coded]:
    coded = [
        Coded(parse_system(s.system), s.final_code or s.code)
        for s in repository.accepted_suggestions(session, note_id)
        if s.id != skip_suggestion
    ]
    coded.extend(
        Coded(parse_system(a.system), a.code) for a in repository.added_codes(session, note_id)
    )
    return coded


def _check_conflict(
    session: Session, codes: CodeSets, note: Note, candidate: Code, skip: int | None = None
) -> None:
    reason = find_conflict(
        codes,
        candidate=candidate,
        coded=_coded(session, note.id, skip_suggestion=skip),
        date_of_service=note.date_of_service,
    )
    if reason is not None:
        raise DecisionConflict(reason)


def key_id(actor: audit.Actor) -> int:
    """The acting key's id; review actions are only ever taken with a key."""
    if actor.key_id is None:
        raise PermissionDenied("review actions need an API key")
    return actor.key_id


def _state(row: SuggestionRow) -> dict[str, object]:
    # the run id ties the decision to its evidence and to the code-set and model versions
    return {
        "status": row.status,
        "code": row.final_code or row.code,
        "reason": row.reason,
        "run_id": row.run_id,
    }


def decide(
    session: Session,
    *,
    codes: CodeSets,
    suggestion_id: int,
    decision: DecisionIn,
    actor: audit.Actor,
    correlation_id: str | None = None,
) -> SuggestionRow:
    """Record a decision on a suggestion and return the suggestion's new state."""
    row = repository.get_suggestion(session, suggestion_id)
    if row is None:
        raise SuggestionNotFound(f"no suggestion with id {suggestion_id}")
    note = open_note(session, row.note_id)
    system = parse_system(row.system)
    final_code: str | None = None
    if decision.action != "reject":
        target = row.code if decision.action == "accept" else (decision.code or "")
        code = _checked_code(session, codes, note, system, target)
        if decision.action == "modify":
            if code.code == row.code:
                raise InvalidDecision("modify needs a code different from the suggestion's")
            if not code.billable:
                raise InvalidDecision(f"{code.code} is not billable: choose a more specific code")
            final_code = code.code
        _check_conflict(session, codes, note, code, skip=row.id)
    before = _state(row)
    row.status = _STATUS_OF[decision.action]
    row.final_code = final_code
    row.reason = decision.reason.strip() if decision.reason else None
    session.add(
        Decision(
            suggestion_id=row.id,
            note_id=note.id,
            action=decision.action,
            code=final_code,
            reason=row.reason,
            actor_key_id=key_id(actor),
            created_at=audit.now(),
        )
    )
    note.status = "in_review"
    audit.record(
        session,
        actor=actor,
        action=f"suggestion.{decision.action}",
        entity="suggestion",
        entity_id=row.id,
        note_id=note.id,
        before=before,
        after=_state(row),
        correlation_id=correlation_id,
    )
    session.commit()
    return row


def add_code(
    session: Session,
    *,
    codes: CodeSets,
    note_id: int,
    added: AddedCodeIn,
    actor: audit.Actor,
    correlation_id: str | None = None,
) -> AddedCode:
    """Add a code the coder found, optionally with the span of the note supporting it."""
    note = open_note(session, note_id)
    system = parse_system(added.system)
    code = _checked_code(session, codes, note, system, added.code)
    if not code.billable:
        raise InvalidDecision(f"{code.code} is not billable: choose a more specific code")
    span_text: str | None = None
    if added.evidence is not None:
        span = added.evidence
        if not span.start < span.end <= len(note.text):
            raise InvalidRequest(
                f"evidence offsets {span.start}-{span.end} are outside the note "
                f"(0-{len(note.text)}) or empty"
            )
        span_text = note.text[span.start : span.end]
        if span.text is not None and span.text != span_text:
            raise InvalidRequest("evidence.text does not match the note at those offsets")
    _check_conflict(session, codes, note, code)
    row = AddedCode(
        note_id=note.id,
        system=system.value,
        code=code.code,
        description=code.description,
        reason=added.reason.strip() if added.reason else None,
        evidence_start=added.evidence.start if added.evidence else None,
        evidence_end=added.evidence.end if added.evidence else None,
        evidence_text=span_text,
        actor_key_id=key_id(actor),
        created_at=audit.now(),
    )
    session.add(row)
    session.flush()
    note.status = "in_review"
    audit.record(
        session,
        actor=actor,
        action="code.add",
        entity="added_code",
        entity_id=row.id,
        note_id=note.id,
        after={
            "system": row.system,
            "code": row.code,
            "reason": row.reason,
            "evidence": [row.evidence_start, row.evidence_end],
        },
        correlation_id=correlation_id,
    )
    session.commit()
    return row
