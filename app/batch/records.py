"""One input row in, its output rows out: validation, coding and the row shapes of both engines.

Every input row ends as exactly one coded note or exactly one error, never neither, so the job
can prove ``rows in == notes coded + errors``. Reasons never quote the note text (it is PHI).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from codesets.errors import CACError
from models.coder import Coder
from models.schema import CodingResult, Setting

log = logging.getLogger(__name__)

_SETTINGS: tuple[Setting, ...] = ("outpatient", "inpatient")


@dataclass(frozen=True, slots=True)
class NoteInput:
    """A valid input row: what the coder needs plus the metadata to carry through."""

    source_row: int
    note_id: str
    text: str
    setting: Setting
    date_of_service: date | None
    metadata: str  # JSON


@dataclass(slots=True)
class RowOutput:
    """What one input row became: a coded note with its suggestions, or one error."""

    note: dict[str, Any] | None = None
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None


class RowRejectedError(ValueError):
    """An input row that cannot be coded; ``reason`` is safe to store (no note text)."""

    def __init__(self, reason: str, note_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.note_id = note_id


def parse_line(line: str) -> object:
    """The JSON value on one JSONL line."""
    if not line.strip():
        raise RowRejectedError("empty line")
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise RowRejectedError(f"malformed JSON at column {error.colno}") from None


def _note_id(record: Mapping[str, Any]) -> str:
    value = record.get("id")
    if value is None:
        raise RowRejectedError("missing id")
    # bool is an int to Python, never an id
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RowRejectedError(f"id must be a string or an integer, got {type(value).__name__}")
    note_id = str(value).strip()
    if not note_id:
        raise RowRejectedError("empty id")
    return note_id


def _metadata(value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str):  # Parquet files often store metadata as a JSON string
        try:
            value = json.loads(value) if value.strip() else {}
        except json.JSONDecodeError:
            raise RowRejectedError("metadata is a string but not valid JSON") from None
    if isinstance(value, list) and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        value = dict(value)  # an Arrow map column reads as a list of (key, value) pairs
    if not isinstance(value, dict):
        raise RowRejectedError(f"metadata must be an object, got {type(value).__name__}")
    return value


def _setting(metadata: Mapping[str, Any]) -> Setting:
    value = metadata.get("setting", "outpatient")
    for setting in _SETTINGS:
        if value == setting:
            return setting
    raise RowRejectedError("metadata.setting must be 'outpatient' or 'inpatient'")


def _date_of_service(metadata: Mapping[str, Any]) -> date | None:
    value = metadata.get("date_of_service")
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise RowRejectedError("metadata.date_of_service must be an ISO date (YYYY-MM-DD)")


def note_input(source_row: int, record: object) -> NoteInput:
    """Validate one input record (a JSON object or a Parquet row); raises ``RowRejectedError``."""
    if not isinstance(record, Mapping):
        raise RowRejectedError(f"row must be an object, got {type(record).__name__}")
    note_id = _note_id(record)
    try:
        text = record.get("text")
        if text is None:
            raise RowRejectedError("missing text")
        if not isinstance(text, str):
            raise RowRejectedError(f"text must be a string, got {type(text).__name__}")
        if not text.strip():
            raise RowRejectedError("empty text")
        metadata = _metadata(record.get("metadata"))
        return NoteInput(
            source_row=source_row,
            note_id=note_id,
            text=text,
            setting=_setting(metadata),
            date_of_service=_date_of_service(metadata),
            metadata=json.dumps(metadata, sort_keys=True, default=str),
        )
    except RowRejectedError as rejected:
        raise RowRejectedError(rejected.reason, note_id) from None


def _context(note: NoteInput, result: CodingResult) -> dict[str, Any]:
    versions = result.versions
    return {
        "setting": result.setting,
        "date_of_service": note.date_of_service,
        "icd10cm_version": versions.icd10cm,
        "hcpcs_version": versions.hcpcs,
        "cpt_version": versions.cpt,
        "model_version": versions.model,
        "pipeline_version": versions.pipeline,
    }


def result_rows(note: NoteInput, result: CodingResult) -> RowOutput:
    """The note row and suggestion rows of one coded note."""
    context = _context(note, result)
    suggestions = [
        {"note_id": note.note_id, **s.model_dump(), **context} for s in result.suggestions
    ]
    note_row = {
        "source_row": note.source_row,
        "note_id": note.note_id,
        "words": len(note.text.split()),
        "mentions": len(result.mentions),
        "suggestions": len(result.suggestions),
        "no_suggestions_reason": result.no_suggestions_reason,
        "documentation_queries": [
            {"topic": q.topic, "message": q.message} for q in result.documentation_queries
        ],
        "metadata": note.metadata,
        **context,
    }
    return RowOutput(note=note_row, suggestions=suggestions)


def _error(source_row: int, note_id: str | None, stage: str, reason: str) -> RowOutput:
    return RowOutput(
        error={"source_row": source_row, "note_id": note_id, "stage": stage, "reason": reason}
    )


def _parsed(record: object, *, is_line: bool) -> object:
    if not is_line:
        return record
    if not isinstance(record, str):
        raise RowRejectedError(f"line must be text, got {type(record).__name__}")
    return parse_line(record)


def code_row(source_row: int, record: object, coder: Coder, *, is_line: bool) -> RowOutput:
    """Validate and code one input row (a raw JSONL line when ``is_line``); never raises."""
    try:
        note = note_input(source_row, _parsed(record, is_line=is_line))
    except RowRejectedError as rejected:
        return _error(source_row, rejected.note_id, "input", rejected.reason)
    try:
        result = coder.code(note.text, setting=note.setting, date_of_service=note.date_of_service)
    except CACError as error:
        return _error(
            source_row, note.note_id, "coding", f"{type(error).__name__}: {error.message}"
        )
    except Exception as error:
        # An unexpected failure of one note must not sink the job; its message may quote the
        # note, so only the type is stored and logged.
        log.exception("note %s failed with %s", note.note_id, type(error).__name__)
        return _error(
            source_row, note.note_id, "coding", f"internal error ({type(error).__name__})"
        )
    return result_rows(note, result)


def code_rows(
    rows: Iterable[tuple[int, object]], coder: Coder, *, is_line: bool
) -> Iterator[RowOutput]:
    """``code_row`` over ``(source_row, record)`` pairs."""
    for source_row, record in rows:
        yield code_row(source_row, record, coder, is_line=is_line)
