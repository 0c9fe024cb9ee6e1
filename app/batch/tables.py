"""The batch job's three outputs as Arrow schemas: suggestions, coded notes, and errors.

Both engines write exactly these schemas (Spark derives its own from them), so a reader never
cares which engine produced a directory. ``suggestion_from_row`` turns a stored row back into the
``Suggestion`` that ``cac code`` returns, which is how equality with ``cac code`` is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from models.schema import Evidence, LinkedCode, Suggestion

SUGGESTIONS = "suggestions"
NOTES = "notes"
ERRORS = "errors"
OUTPUTS = (SUGGESTIONS, NOTES, ERRORS)

_EVIDENCE = pa.struct(
    [
        pa.field("start", pa.int64(), nullable=False),
        pa.field("end", pa.int64(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("section", pa.string()),
        pa.field("assertion", pa.string(), nullable=False),
    ]
)
_LINKED = pa.struct(
    [
        pa.field("system", pa.string(), nullable=False),
        pa.field("code", pa.string(), nullable=False),
        pa.field("relation", pa.string(), nullable=False),
        pa.field("note", pa.string(), nullable=False),
    ]
)
_QUERY = pa.struct(
    [
        pa.field("topic", pa.string(), nullable=False),
        pa.field("message", pa.string(), nullable=False),
    ]
)
# Every output row of a coded note says what produced it, so any suggestion can be reproduced.
_CONTEXT = [
    pa.field("setting", pa.string(), nullable=False),
    pa.field("date_of_service", pa.date32()),
    pa.field("icd10cm_version", pa.string(), nullable=False),
    pa.field("hcpcs_version", pa.string(), nullable=False),
    pa.field("cpt_version", pa.string(), nullable=False),
    pa.field("model_version", pa.string(), nullable=False),
    pa.field("pipeline_version", pa.string(), nullable=False),
]

SUGGESTION_SCHEMA = pa.schema(
    [
        pa.field("note_id", pa.string(), nullable=False),
        pa.field("rank", pa.int32(), nullable=False),
        pa.field("system", pa.string(), nullable=False),
        pa.field("code", pa.string(), nullable=False),
        pa.field("description", pa.string(), nullable=False),
        pa.field("billable", pa.bool_(), nullable=False),
        pa.field("confidence", pa.float64(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("rationale", pa.string(), nullable=False),
        pa.field("warnings", pa.list_(pa.string()), nullable=False),
        pa.field("is_sample", pa.bool_(), nullable=False),
        pa.field("evidence", pa.list_(_EVIDENCE), nullable=False),
        pa.field("linked", pa.list_(_LINKED), nullable=False),
        *_CONTEXT,
    ]
)

NOTE_SCHEMA = pa.schema(
    [
        pa.field("source_row", pa.int64(), nullable=False),
        pa.field("note_id", pa.string(), nullable=False),
        pa.field("words", pa.int64(), nullable=False),
        pa.field("mentions", pa.int32(), nullable=False),
        pa.field("suggestions", pa.int32(), nullable=False),
        pa.field("no_suggestions_reason", pa.string()),
        pa.field("documentation_queries", pa.list_(_QUERY), nullable=False),
        pa.field("metadata", pa.string(), nullable=False),  # the input's metadata, as JSON
        *_CONTEXT,
    ]
)

ERROR_SCHEMA = pa.schema(
    [
        pa.field("source_row", pa.int64(), nullable=False),  # 0-based position in the input
        pa.field("note_id", pa.string()),  # None when the row has no usable id
        pa.field("stage", pa.string(), nullable=False),  # input | coding
        pa.field("reason", pa.string(), nullable=False),
    ]
)

SCHEMAS: dict[str, pa.Schema] = {
    SUGGESTIONS: SUGGESTION_SCHEMA,
    NOTES: NOTE_SCHEMA,
    ERRORS: ERROR_SCHEMA,
}


def suggestion_from_row(row: Mapping[str, Any]) -> Suggestion:
    """The ``Suggestion`` a row of the suggestions output stores."""
    return Suggestion(
        system=row["system"],
        code=row["code"],
        description=row["description"],
        billable=row["billable"],
        confidence=row["confidence"],
        rank=row["rank"],
        status=row["status"],
        evidence=[Evidence(**item) for item in row["evidence"]],
        rationale=row["rationale"],
        warnings=list(row["warnings"]),
        linked=[LinkedCode(**item) for item in row["linked"]],
        is_sample=row["is_sample"],
    )
