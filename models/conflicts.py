"""Tabular instructions among the suggestions: Excludes1 conflicts and linked codes.

An Excludes1 note means the two conditions are never coded together (Guidelines I.A.12.a), so a
pair among the suggestions is flagged on both sides for the coder to resolve. "Code first", "use
additional code" and "code also" notes (I.A.13, I.A.17) link a suggestion to another one when the
other is present, and otherwise a "code first" note becomes a warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from codesets.model import Code, System
from models.candidate import Candidate
from models.codebook import CodeBook
from models.schema import LinkedCode

_CODE = r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?"
_REFERENCE = re.compile(rf"({_CODE})(?:\.-|-(?=[),;\s]|$))?(?:\s*-\s*({_CODE}))?")
_MAX_WARNED_NOTES = 2


# the same tabular notes are read for every note coded: parse each once
@lru_cache(maxsize=16_384)
def references(note: str) -> tuple[tuple[str, str], ...]:
    """The code ranges a note names, as undotted ``(low, high)`` prefixes ("E10.-" -> E10..E10)."""
    found = []
    for low, high in _REFERENCE.findall(note):
        low_flat = low.replace(".", "")
        found.append((low_flat, (high or low).replace(".", "")))
    return tuple(found)


def matches(code: str, note: str) -> bool:
    """True when ``code`` falls in a code or range that ``note`` names."""
    return _first_match(code, (note,)) is not None


_Ranges = Mapping[str, tuple[tuple[str, str, str], ...]]


# Every pair of suggestions asks which of a record's notes names the other code. The ranges of
# a record's notes are read once, filed under each first character a code in them can start
# with, so one question reads only the few ranges of the code's own letter (the per-(code,
# note) memo this replaces missed for most pairs of a note: the guideline stage went from 0.67
# to 0.49 ms per note).
@lru_cache(maxsize=16_384)
def _ranges_by_letter(notes: tuple[str, ...]) -> _Ranges:
    filed: dict[str, list[tuple[str, str, str]]] = {}
    for note in notes:
        for low, high in references(note):
            # a code within low..high starts with a letter within theirs (and one starting
            # with either code starts with its letter)
            letters = {low[0], high[0], *map(chr, range(ord(low[0]), ord(high[0]) + 1))}
            for letter in sorted(letters):
                filed.setdefault(letter, []).append((low, high, note))
    return {letter: tuple(ranges) for letter, ranges in filed.items()}


def _first_match(code: str, notes: tuple[str, ...]) -> str | None:
    # the first of ``notes`` that names ``code``: ranges are filed in the order of their notes
    flat = code.replace(".", "")
    for low, high, note in _ranges_by_letter(notes).get(flat[:1], ()):
        if flat.startswith(low) or flat.startswith(high):
            return note
        if low != high and low <= flat[: len(low)] <= high:
            return note
    return None


def flag_excludes1(candidates: list[Candidate], codebook: CodeBook) -> None:
    """Warn on both sides of every Excludes1 pair among the ICD-10-CM suggestions."""
    icd = [c for c in candidates if c.system is System.ICD10CM]
    records = {c.code: codebook.get(System.ICD10CM, c.code) for c in icd}
    for index, one in enumerate(icd):
        for other in icd[index + 1 :]:
            if one.code == other.code:
                continue
            for left, right in ((one, other), (other, one)):
                record = records.get(left.code)
                note = _first_match(right.code, record.excludes1) if record else None
                if note is not None:
                    text = (
                        f"Excludes1 conflict: {left.code} excludes {right.code} "
                        f'("{note}"); they are not coded together (Guidelines I.A.12.a)'
                    )
                    for side in (left, right):
                        if text not in side.warnings:
                            side.warnings.append(text)


def _link(candidate: Candidate, record: Code, others: list[Candidate]) -> None:
    relations = (
        ("code_first", record.code_first),
        ("use_additional", record.use_additional),
        ("code_also", record.code_also),
    )
    for relation, notes in relations:
        for other in others:
            note = _first_match(other.code, notes)
            if note is not None and not any(link.code == other.code for link in candidate.linked):
                candidate.linked.append(
                    LinkedCode(
                        system=other.system.value, code=other.code, relation=relation, note=note
                    )
                )
    if any(link.relation == "code_first" for link in candidate.linked):
        return  # the underlying condition is among the suggestions
    required = [n for n in record.code_first if "if applicable" not in n.lower()]
    if required and required[0].lower().startswith("underlying"):
        # An etiology/manifestation pair: the underlying condition is sequenced first (I.A.13).
        examples = ", ".join(required[1 : 1 + _MAX_WARNED_NOTES])
        candidate.warnings.append(
            f"code first the underlying condition (e.g. {examples}) (Guidelines I.A.13)"
        )
    elif len(required) == 1 and references(required[0]):
        # One named code to sequence first; a list of alternatives (I50: "heart failure
        # complicating abortion", "... following surgery") applies only in those circumstances.
        candidate.warnings.append(f"code first: {required[0]} (Guidelines I.A.13)")


def link_instructions(candidates: list[Candidate], codebook: CodeBook) -> None:
    """Turn "code first" / "use additional code" / "code also" notes into links or warnings."""
    icd = [c for c in candidates if c.system is System.ICD10CM]
    for candidate in icd:
        record = codebook.get(System.ICD10CM, candidate.code)
        if record is not None:
            _link(candidate, record, [o for o in icd if o.code != candidate.code])
