"""Request and response shapes of the notes and review API (kept apart from the tables)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from models.schema import Setting

NoteStatus = Literal["needs_review", "in_review", "finalized"]
SuggestionStatus = Literal["needs_review", "accepted", "rejected", "modified"]


def as_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive value is the UTC it was stored in."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Every timestamp the API returns: ISO 8601 in UTC with its offset ("...Z"), never naive.
Timestamp = Annotated[
    datetime,
    AfterValidator(as_utc),
    Field(
        description="ISO 8601 date and time in UTC, with its offset (Z).",
        examples=["2026-03-02T14:05:09.123456Z"],
    ),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class NoteIn(_In):
    """A note as an integration posts it: the text and its encounter metadata."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "Assessment: Type 2 diabetes mellitus with diabetic neuropathy.",
                    "encounter_id": "ENC-1001",
                    "patient_ref": "PT-7f3a",
                    "note_type": "progress",
                    "setting": "outpatient",
                    "date_of_service": "2025-03-14",
                    "specialty": "internal medicine",
                }
            ]
        },
    )

    text: str = Field(description="Plain note text; offsets in suggestions index this string.")
    encounter_id: str | None = Field(default=None, max_length=128)
    patient_ref: str | None = Field(
        default=None, max_length=128, description="A pseudonymous patient reference, never a name."
    )
    note_type: str | None = Field(default=None, max_length=100)
    setting: Setting = "outpatient"
    date_of_service: date | None = None
    specialty: str | None = Field(default=None, max_length=100)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("note text is empty or whitespace only")
        return value


class EvidenceOut(BaseModel):
    """A supporting span of the note: ``note.text[start:end] == text``."""

    start: int
    end: int
    text: str
    section: str | None = None
    assertion: str = "present"


class DecisionOut(BaseModel):
    """A suggestion's current decision."""

    status: SuggestionStatus
    code: str | None = None
    reason: str | None = None


class SuggestionOut(BaseModel):
    """A stored suggestion with its id (for decisions) and its current decision."""

    id: int
    system: str
    code: str
    description: str
    billable: bool
    confidence: float
    rank: int
    status: SuggestionStatus
    evidence: list[EvidenceOut]
    rationale: str
    warnings: list[str]
    linked: list[dict[str, str]]
    is_sample: bool
    decision: DecisionOut | None = None


class NoteCoded(BaseModel):
    """The answer to posting a note: its id, review status and suggestions."""

    id: int
    status: NoteStatus
    encounter_id: str | None
    suggestions: list[SuggestionOut]
    no_suggestions_reason: str | None = None
    replayed: bool = Field(
        default=False, description="True when an earlier identical request's result is returned."
    )


class SectionOut(BaseModel):
    """A section of the note: ``text[start:end]`` holds its header and body, and
    ``text[start:header_end]`` the header as written. Offsets count code points."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "assessment_and_plan",
                    "title": "ASSESSMENT AND PLAN",
                    "start": 107,
                    "end": 162,
                    "header_end": 127,
                }
            ]
        }
    )

    name: str = Field(description="The normalized section name.")
    title: str = Field(description="The header's words as the note writes them.")
    start: int
    end: int
    header_end: int


class NoteOut(BaseModel):
    """A stored note with its metadata."""

    id: int
    status: NoteStatus
    text: str
    content_hash: str
    encounter_id: str | None
    patient_ref: str | None
    note_type: str | None
    setting: Setting
    date_of_service: date | None
    specialty: str | None
    source: str
    created_at: Timestamp
    sections: list[SectionOut] = Field(
        default_factory=list,
        description="The note's sections in order, found by the pipeline's section rules.",
    )
    text_erased_at: Timestamp | None = Field(
        default=None, description="Set when the text was erased on request (text is then empty)."
    )


class EraseIn(_In):
    """Why a note's text is erased (kept in the audit log)."""

    reason: str = Field(min_length=1, max_length=500, examples=["patient request #1234"])


class AddedCodeOut(BaseModel):
    """A code the coder added."""

    id: int
    system: str
    code: str
    description: str
    reason: str | None
    evidence: EvidenceOut | None


class VersionsOut(BaseModel):
    """The versions of the coding run behind the suggestions."""

    run_id: int
    icd10cm: str
    hcpcs: str
    cpt: str
    model: str
    pipeline: str
    duration_ms: float
    # milliseconds per pipeline stage (sections, mentions, candidates, ranking, ...), when the
    # coder reports them
    stage_ms: dict[str, float] = {}


class SuggestionsOut(BaseModel):
    """Everything a reviewer needs for one note's latest coding run."""

    note_id: int
    status: NoteStatus
    suggestions: list[SuggestionOut]
    added_codes: list[AddedCodeOut]
    mentions: list[dict[str, Any]]
    documentation_queries: list[dict[str, Any]]
    no_suggestions_reason: str | None
    versions: VersionsOut


class DecisionIn(_In):
    """A coder's decision: accept, reject (with a reason) or modify to another code (reason)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"action": "accept"},
                {"action": "reject", "reason": "condition is ruled out in the plan"},
                {"action": "modify", "code": "E11.42", "reason": "polyneuropathy documented"},
            ]
        },
    )

    action: Literal["accept", "reject", "modify"]
    reason: str | None = Field(default=None, max_length=2000)
    code: str | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def _complete(self) -> DecisionIn:
        if self.action in ("reject", "modify") and not (self.reason and self.reason.strip()):
            raise ValueError(f"reason is required to {self.action} a suggestion")
        if self.action == "modify" and not (self.code and self.code.strip()):
            raise ValueError("code is required to modify a suggestion")
        if self.action != "modify" and self.code is not None:
            raise ValueError("code is only allowed with action 'modify'")
        return self


class SpanIn(_In):
    """An evidence span the coder selected; ``text``, when given, must match the note."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str | None = None


class AddedCodeIn(_In):
    """A code the coder adds to the note."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "system": "ICD-10-CM",
                    "code": "I10",
                    "reason": "HTN in plan",
                    "evidence": {"start": 10, "end": 22},
                }
            ]
        },
    )

    system: str = Field(max_length=20)
    code: str = Field(max_length=20)
    reason: str | None = Field(default=None, max_length=2000)
    evidence: SpanIn | None = None


class ReopenIn(_In):
    """Why a finalized note is reopened (audited)."""

    reason: str = Field(min_length=1, max_length=2000)


class FinalCodeOut(BaseModel):
    """One code of a final code set."""

    system: str
    code: str
    description: str
    source: Literal["suggestion", "added"]


class FinalCodeSetOut(BaseModel):
    """A note's locked final code set."""

    note_id: int
    version: int
    finalized_at: Timestamp
    finalized_by: str
    codes: list[FinalCodeOut]


class WorklistItem(BaseModel):
    """A note on the worklist."""

    note_id: int
    encounter_id: str | None
    date_of_service: date | None
    setting: str
    status: NoteStatus
    suggestion_count: int
    pending_count: int
    created_at: Timestamp
    age_seconds: int = Field(ge=0, description="How long the note has waited since it came in.")


class WorklistPage(BaseModel):
    """One page of the worklist."""

    items: list[WorklistItem]
    total: int
    limit: int
    offset: int


class AuditEventOut(BaseModel):
    """An audit entry as the history view shows it."""

    id: int
    at: Timestamp
    actor: str
    action: str
    entity: str
    entity_id: int
    detail: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class ErrorDetail(BaseModel):
    """What went wrong, safe to show; quote ``correlation_id`` to support."""

    code: str = Field(examples=["note_not_found"])
    message: str = Field(examples=["no note with id 42"])
    correlation_id: str


class ValidationIssue(BaseModel):
    """One invalid field of a request (the offending value is never echoed back)."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(BaseModel):
    """The body of every error; a request that fails validation (422) also lists ``detail``."""

    error: ErrorDetail
    detail: list[ValidationIssue] | None = None
