"""The coder's output schema: ranked suggestions with evidence, the contract of ``cac code``.

The service returns these models (plus its own ids) and the evaluation harness scores them.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Setting = Literal["outpatient", "inpatient"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Evidence(_Frozen):
    """A span of the note that supports a suggestion; ``note[start:end] == text``."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    section: str | None = None
    assertion: str = "present"


class LinkedCode(_Frozen):
    """A code the tabular ties to a suggestion ("code first", "use additional code", ...)."""

    system: str
    code: str
    relation: Literal["code_first", "use_additional", "code_also"]
    note: str


class Suggestion(_Frozen):
    """One suggested code; always ``needs_review`` until a coder decides."""

    system: str
    code: str
    description: str
    billable: bool
    confidence: float = Field(ge=0.0, le=1.0)
    rank: int = Field(ge=1)
    status: Literal["needs_review"] = "needs_review"
    evidence: list[Evidence] = Field(min_length=1)
    rationale: str
    warnings: list[str] = Field(default_factory=list)
    linked: list[LinkedCode] = Field(default_factory=list)
    is_sample: bool = False  # True for CPT codes described by the built-in sample


class DocumentationQuery(_Frozen):
    """A documentation gap worth a query to the physician (e.g. diabetes with no type)."""

    topic: str
    message: str
    evidence: list[Evidence] = Field(default_factory=list)


class Versions(_Frozen):
    """The versions that produced a result, so any suggestion can be reproduced."""

    icd10cm: str
    hcpcs: str
    cpt: str
    model: str
    pipeline: str


class MentionOut(_Frozen):
    """A mention as the output shows it."""

    text: str
    start: int
    end: int
    label: str
    section: str | None
    attributes: dict[str, str]
    assertion: str
    negated: bool
    uncertain: bool
    historical: bool
    hypothetical: bool
    family: bool
    cues: list[dict[str, str | int]]


class CodingResult(_Frozen):
    """Everything ``cac code`` returns for one note."""

    suggestions: list[Suggestion]
    mentions: list[MentionOut]
    documentation_queries: list[DocumentationQuery] = Field(default_factory=list)
    versions: Versions
    setting: Setting
    date_of_service: date | None = None
    # why the list is empty, when it is (e.g. "no codable content found")
    no_suggestions_reason: str | None = None
