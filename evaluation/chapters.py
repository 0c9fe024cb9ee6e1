"""The chapter (or section) of a code, for the per-chapter tables of a report.

ICD-10-CM chapters and CPT sections are ranges of codes; HCPCS Level II and ICD-10-PCS group by
their first character. The table lives in ``chapters.json`` (rules are data).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

from evaluation.codes import CodeKey

OTHER = "Other"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChapterRange(_Strict):
    """Codes from ``first`` to ``last`` (compared on their leading characters)."""

    system: str
    first: str
    last: str
    name: str


class ChapterTable(_Strict):
    """Ranges for ICD-10-CM and CPT, first-character groups for the other systems."""

    ranges: list[ChapterRange]
    by_first_character: dict[str, dict[str, str]]


@lru_cache(maxsize=1)
def chapter_table() -> ChapterTable:
    """The packaged chapter table, validated."""
    text = resources.files("evaluation").joinpath("chapters.json").read_text(encoding="utf-8")
    return ChapterTable.model_validate(json.loads(text))


def chapter_of(key: CodeKey) -> str:
    """The chapter name of a (system, code) pair; ``Other`` when no range holds it."""
    system, code = key
    table = chapter_table()
    for row in table.ranges:
        if row.system == system and row.first <= code[: len(row.first)] <= row.last:
            return row.name
    groups = table.by_first_character.get(system, {})
    return groups.get(code[:1], f"{system} {OTHER}")
