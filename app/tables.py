"""SQLAlchemy table models: notes, coding runs, suggestions, decisions, final codes, keys, audit.

These are the persistence shapes only; the API's request/response shapes live in ``schemas``.
Every schema change goes through an Alembic migration in ``app/migrations/versions``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.coltypes import SealedJSON, SealedText, UtcDateTime


class Base(DeclarativeBase):
    """Declarative base of every table."""


class ApiKey(Base):
    """An API key: only its HMAC is stored; ``prefix`` finds the row without the secret."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Note(Base):
    """A clinical note as an integration posted it, with its encounter metadata."""

    __tablename__ = "notes"
    __table_args__ = (UniqueConstraint("encounter_id", "content_hash", name="uq_notes_encounter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(SealedText)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    encounter_id: Mapped[str | None] = mapped_column(String(128))
    patient_ref: Mapped[str | None] = mapped_column(String(128))
    note_type: Mapped[str | None] = mapped_column(String(100))
    setting: Mapped[str] = mapped_column(String(20))
    date_of_service: Mapped[date | None] = mapped_column(Date, index=True)
    specialty: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    # set when the text was erased on request (the codes and the audit trail stay)
    text_erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    runs: Mapped[list[CodingRun]] = relationship(back_populates="note", order_by="CodingRun.id")


class CodingRun(Base):
    """One run of the coder on a note, with every version needed to reproduce it."""

    __tablename__ = "coding_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id"), index=True)
    icd10cm_version: Mapped[str] = mapped_column(String(50))
    hcpcs_version: Mapped[str] = mapped_column(String(50))
    cpt_version: Mapped[str] = mapped_column(String(50))
    model_version: Mapped[str] = mapped_column(String(100))
    pipeline_version: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    duration_ms: Mapped[float] = mapped_column(Float)
    # mentions, documentation queries and the no-suggestions reason, as the coder returned them
    details: Mapped[dict[str, Any]] = mapped_column(SealedJSON)

    note: Mapped[Note] = relationship(back_populates="runs")
    # ties are broken by id (insertion order), so every backend reads them in the same order
    suggestions: Mapped[list[SuggestionRow]] = relationship(
        back_populates="run", order_by="(SuggestionRow.rank, SuggestionRow.id)"
    )


class SuggestionRow(Base):
    """A suggested code and its current review state (the history is in ``decisions``)."""

    __tablename__ = "suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("coding_runs.id"), index=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id"), index=True)
    system: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    billable: Mapped[bool] = mapped_column(Boolean)
    confidence: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    rationale: Mapped[str] = mapped_column(SealedText)
    warnings: Mapped[list[str]] = mapped_column(JSON)
    linked: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    is_sample: Mapped[bool] = mapped_column(Boolean)
    # needs_review | accepted | rejected | modified
    status: Mapped[str] = mapped_column(String(20), index=True)
    final_code: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)

    run: Mapped[CodingRun] = relationship(back_populates="suggestions")
    # by offset, ties in insertion order: PostgreSQL returned two spans starting at the same
    # offset in either order, so a note's answer could differ from its read-back
    evidence: Mapped[list[EvidenceRow]] = relationship(
        order_by="(EvidenceRow.start, EvidenceRow.id)"
    )


class EvidenceRow(Base):
    """A span of the note supporting a suggestion; offsets index the stored note text."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(SealedText)
    section: Mapped[str | None] = mapped_column(String(100))
    assertion: Mapped[str] = mapped_column(String(30))


class Decision(Base):
    """One coder decision on a suggestion; rows are only ever added."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id"), index=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    code: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    actor_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AddedCode(Base):
    """A code the coder added to a note, optionally with the span that supports it."""

    __tablename__ = "added_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id"), index=True)
    system: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    evidence_start: Mapped[int | None] = mapped_column(Integer)
    evidence_end: Mapped[int | None] = mapped_column(Integer)
    evidence_text: Mapped[str | None] = mapped_column(SealedText)
    actor_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FinalCodeSet(Base):
    """A locked final code set; a reopen marks it reopened and a new version follows."""

    __tablename__ = "final_code_sets"
    __table_args__ = (UniqueConstraint("note_id", "version", name="uq_final_sets_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    finalized_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finalized_by: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    reopened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reopened_by: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    reopen_reason: Mapped[str | None] = mapped_column(Text)

    codes: Mapped[list[FinalCode]] = relationship(order_by="FinalCode.id")


class FinalCode(Base):
    """One code of a final code set and where it came from (a suggestion or an added code)."""

    __tablename__ = "final_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("final_code_sets.id"), index=True)
    system: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = mapped_column(Integer)


class AuditEvent(Base):
    """An audit entry; append-only (no code path updates or deletes, and triggers forbid it)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    actor_key_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int] = mapped_column(Integer)
    note_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    correlation_id: Mapped[str | None] = mapped_column(String(64))
