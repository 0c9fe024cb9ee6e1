"""Coding-rule conflicts between a note's accepted codes: duplicates and Excludes1 pairs.

An Excludes1 note means "NOT CODED HERE": the two conditions cannot be reported together
(ICD-10-CM Official Guidelines, Section I.A.12.a). The tabular stores each note as text, e.g.
"type 1 diabetes mellitus (E10.-)", so the code references are parsed out of those lines.
Notes at a category apply to every code below it, so a code's ancestors are checked too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from app.codelookup import CodeSets
from codesets.errors import CACError
from codesets.model import Code, System

_CODE = r"[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?"
_REF = re.compile(
    rf"\b(?P<lo>{_CODE})(?:\.-)?\s*-\s*(?P<hi>{_CODE})(?:\.?-)?|\b(?P<one>{_CODE})(?:\.?-)?"
)


@dataclass(frozen=True, slots=True)
class CodeRef:
    """A code, category or range named in a tabular note (undotted, inclusive bounds)."""

    low: str
    high: str

    def covers(self, code: str) -> bool:
        """True when ``code`` (dotted or not) falls under this reference."""
        plain = code.replace(".", "")
        return plain[: len(self.low)] >= self.low and plain[: len(self.high)] <= self.high


def references(line: str) -> list[CodeRef]:
    """The code references in one note line: ``E10.-``, ``E08-E13``, ``O24.4-``, ``R73.0``."""
    found: list[CodeRef] = []
    for match in _REF.finditer(line):
        if match["one"]:
            plain = match["one"].replace(".", "")
            found.append(CodeRef(plain, plain))
        else:
            found.append(CodeRef(match["lo"].replace(".", ""), match["hi"].replace(".", "")))
    return found


@dataclass(frozen=True, slots=True)
class Coded:
    """A code already on the note (or about to be), as the conflict check sees it."""

    system: System
    code: str


def _excludes1(codes: CodeSets, code: Code, day: date | None) -> list[tuple[str, str]]:
    """(owner code, note line) for the Excludes1 notes at ``code`` and at its ancestors."""
    lines = [(code.code, line) for line in code.excludes1]
    for parent in code.parents:
        try:
            ancestor = codes.lookup(code.system, parent, date_of_service=day)
        except CACError:
            continue  # an ancestor the release lacks carries no notes to check
        lines.extend((ancestor.code, line) for line in ancestor.excludes1)
    return lines


def _clash(codes: CodeSets, first: Code, second: str, day: date | None) -> str | None:
    for owner, line in _excludes1(codes, first, day):
        if any(ref.covers(second) for ref in references(line)):
            return f"Excludes1 note at {owner}: {line!r}"
    return None


def find_conflict(
    codes: CodeSets, *, candidate: Code, coded: list[Coded], date_of_service: date | None
) -> str | None:
    """Why ``candidate`` cannot join ``coded``, or None when it can."""
    for other in coded:
        if other.system == candidate.system and other.code == candidate.code:
            return f"{candidate.code} is already coded on this note"
    if candidate.system != System.ICD10CM:
        return None
    for other in coded:
        if other.system != System.ICD10CM:
            continue
        reason = _clash(codes, candidate, other.code, date_of_service)
        if reason is None:
            other_code = codes.lookup(other.system, other.code, date_of_service=date_of_service)
            reason = _clash(codes, other_code, candidate.code, date_of_service)
        if reason is not None:
            return (
                f"{candidate.code} and {other.code} cannot both be coded ({reason}; "
                "ICD-10-CM Official Guidelines I.A.12.a)"
            )
    return None
