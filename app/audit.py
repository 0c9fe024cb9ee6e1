"""The audit log: who did what, when, with the state before and after. Append-only.

There is deliberately no update or delete function here (and database triggers refuse both).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.tables import AuditEvent, Base

_AUDIT = Base.metadata.tables[AuditEvent.__tablename__]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: an API key (id, name, role) or an operator tool (no key id)."""

    name: str
    role: str
    key_id: int | None = None


def now() -> datetime:
    """The current time in UTC (every stored timestamp is UTC)."""
    return datetime.now(UTC)


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int,
    note_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    correlation_id: str | None = None,
) -> None:
    """Append one audit event to the caller's transaction (it commits with the change).

    A Core INSERT, not an ORM object: the event is written at once, possibly before ORM objects
    the session has not flushed yet (the log has no foreign keys, and its entries are ordered by
    their own ids), and nothing reads it back in the same transaction.
    """
    event = {
        "at": now(),
        "actor": actor.name,
        "actor_key_id": actor.key_id,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "note_id": note_id,
        "before": before,
        "after": after,
        "correlation_id": correlation_id,
    }
    session.execute(insert(_AUDIT), [event])


def for_note(session: Session, note_id: int) -> list[AuditEvent]:
    """Every audit event about a note, oldest first."""
    query = select(AuditEvent).where(AuditEvent.note_id == note_id).order_by(AuditEvent.id)
    return list(session.scalars(query))


def for_entity(session: Session, entity: str, entity_id: int) -> list[AuditEvent]:
    """Every audit event about one entity (a key, a suggestion, ...), oldest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id)
    )
    return list(session.scalars(query))
