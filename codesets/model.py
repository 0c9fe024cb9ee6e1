"""Typed records shared by every code system: codes, releases, terms and search hits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class System(StrEnum):
    """The code systems the product suggests from, by their official names."""

    ICD10CM = "ICD-10-CM"
    HCPCS = "HCPCS"
    CPT = "CPT"


@dataclass(frozen=True, slots=True)
class CodeSetRelease:
    """One release of one code system and the dates of service it covers (inclusive)."""

    system: System
    version: str
    effective_from: date
    effective_to: date
    source: str
    license: str
    is_sample: bool = False

    def covers(self, day: date) -> bool:
        """True when ``day`` falls inside this release's effective dates."""
        return self.effective_from <= day <= self.effective_to


@dataclass(frozen=True, slots=True)
class Code:
    """One code of one release with its tabular notes.

    ICD-10-CM codes are stored in their dotted form (``E11.40``); HCPCS and CPT codes are five
    characters. Note fields hold the tabular's text, one entry per note line.
    """

    system: System
    code: str
    description: str
    billable: bool
    version: str
    short_description: str | None = None
    chapter: str | None = None
    block: str | None = None
    parents: tuple[str, ...] = ()
    inclusion_terms: tuple[str, ...] = ()
    includes: tuple[str, ...] = ()
    excludes1: tuple[str, ...] = ()
    excludes2: tuple[str, ...] = ()
    code_first: tuple[str, ...] = ()
    code_also: tuple[str, ...] = ()
    use_additional: tuple[str, ...] = ()
    seventh_characters: tuple[tuple[str, str], ...] = ()
    is_sample: bool = False
    extra: tuple[tuple[str, str], ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Term:
    """A phrase that names a code, with where it came from.

    ``source`` is one of ``tabular`` (the code's description), ``inclusion`` (an inclusion term),
    ``index`` (an Alphabetic Index path), ``neoplasm``, ``drug``, ``hcpcs``, ``cpt`` or
    ``lexicon`` (a curated synonym). ``path`` is the index path ("Diabetes, type 2, with
    neuropathy") where the term comes from the index or a table.
    """

    text: str
    system: System
    code: str
    source: str
    path: str | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One ranked search result: the code, its score in [0, 1] and the term that matched."""

    code: Code
    score: float
    matched_term: str
    source: str
