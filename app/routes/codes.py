"""The code picker: search codes and look one up (the client's modify and add dialogs)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.codelookup import parse_system
from app.deps import CodeSetsDep, ReviewReader
from codesets.errors import InvalidQuery
from codesets.model import Code

router = APIRouter(prefix="/v1/codes", tags=["codes"])


class CodeOut(BaseModel):
    """A code as the picker shows it."""

    system: str
    code: str
    description: str
    billable: bool
    version: str
    is_sample: bool
    excludes1: list[str]
    excludes2: list[str]


class CodeHit(CodeOut):
    """A search result."""

    score: float
    matched_term: str


def _out(code: Code) -> dict[str, object]:
    return {
        "system": code.system.value,
        "code": code.code,
        "description": code.description,
        "billable": code.billable,
        "version": code.version,
        "is_sample": code.is_sample,
        "excludes1": list(code.excludes1),
        "excludes2": list(code.excludes2),
    }


@router.get("/search", response_model=list[CodeHit])
def search_codes(
    codes: CodeSetsDep,
    actor: ReviewReader,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="A code or the start of one (E78, e11.4, J45.90, 9921), or words; the "
            "last word may be unfinished (diab, hyperten, diab neuro) unless a space follows it.",
            examples=["e11.4", "diab neuro"],
        ),
    ],
    system: Annotated[
        list[str] | None, Query(description="limit to these systems", examples=["ICD-10-CM"])
    ] = None,
    billable_only: Annotated[bool, Query(description="only codes that may be reported")] = False,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[CodeHit]:
    """Codes matching ``q``, best first.

    A code or code prefix lists the code itself (score 1.0), then its billable descendants
    (0.9), then its other descendants (0.8), in code order; a dotted code searches ICD-10-CM
    only. Words match descriptions, inclusion and index terms, abbreviations and misspellings;
    a billable code ranks above its non-billable parent when the words match both equally.
    """
    if not q.strip():
        raise InvalidQuery("q: the search query is empty")
    systems = [parse_system(s) for s in system] if system else None
    hits = codes.search(q, systems=systems, limit=limit, billable_only=billable_only)
    return [
        CodeHit.model_validate({**_out(h.code), "score": h.score, "matched_term": h.matched_term})
        for h in hits
    ]


@router.get("/{system}/{code}", response_model=CodeOut)
def get_code(
    system: str,
    code: str,
    codes: CodeSetsDep,
    actor: ReviewReader,
    date_of_service: date | None = None,
) -> CodeOut:
    """One code with its description and tabular notes, from the release covering the date."""
    found = codes.lookup(parse_system(system), code, date_of_service=date_of_service)
    return CodeOut.model_validate(_out(found))
