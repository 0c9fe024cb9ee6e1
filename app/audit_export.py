"""Export the audit log, oldest first, as JSON Lines or CSV (``cac audit export``, ``/v1/audit``).

Reading never changes the log: this module only selects from it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.tables import AuditEvent

FIELDS = (
    "id",
    "at",
    "actor",
    "actor_key_id",
    "action",
    "entity",
    "entity_id",
    "note_id",
    "before",
    "after",
    "correlation_id",
)
_BATCH = 500


def page(
    session: Session, *, since: datetime | None, after_id: int, limit: int
) -> list[AuditEvent]:
    """Up to ``limit`` events with an id above ``after_id`` (and at or after ``since``)."""
    query = select(AuditEvent).where(AuditEvent.id > after_id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    return list(session.scalars(query.order_by(AuditEvent.id).limit(limit)))


def all_events(session: Session, *, since: datetime | None) -> Iterator[AuditEvent]:
    """Every event (at or after ``since``), oldest first, read a batch at a time."""
    last = 0
    while batch := page(session, since=since, after_id=last, limit=_BATCH):
        yield from batch
        last = batch[-1].id
        session.expunge_all()


def as_record(event: AuditEvent) -> dict[str, Any]:
    """One event as plain JSON-ready values."""
    record = {name: getattr(event, name) for name in FIELDS}
    record["at"] = event.at.isoformat()
    return record


def write(events: Iterator[AuditEvent], stream: TextIO, fmt: str) -> int:
    """Write ``events`` as ``jsonl`` or ``csv``; returns how many were written."""
    count = 0
    writer = csv.DictWriter(stream, fieldnames=FIELDS) if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    for event in events:
        record = as_record(event)
        if writer is None:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            for name in ("before", "after"):
                record[name] = "" if record[name] is None else json.dumps(record[name])
            writer.writerow(record)
        count += 1
    return count
