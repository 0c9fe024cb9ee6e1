"""Site-aware neoplasm codes: the Table of Neoplasms row for the site a note names.

The Alphabetic Index sends "Carcinoma", "Cancer", "Malignancy" and "Tumor, malignant" to
"Neoplasm, malignant, by site", "Metastasis" to "Neoplasm, secondary, by site" and a bare
"Tumor" to "Neoplasm, unspecified behavior, by site" (Guidelines I.C.2: "the Table of
Neoplasms should be referenced first ... by site"). Without a site each lands on the table's
site-unspecified line (C80.1, C79.9, D49.9), which says far less than the note does when it
names the organ: "squamous cell carcinoma of the right lung", "renal carcinoma", "liver
metastases", "metastasis to bone", "bladder tumor".

The site is read from the mention's clause: an "of/in/to/involving (the) (side) <site>" phrase
right after the mention, else the nearest site word before the behaviour word ("left renal").
For a secondary neoplasm an "of/from <site> carcinoma" phrase names the primary, not the
metastasis site (I.C.2.b, I.C.2.d), so it is not read as the secondary site.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

from codesets.icd10cm.index import NeoplasmRow, neoplasm_row

# The Table's site-unspecified line per column (and the D49 category a bare "tumor" names):
# a mention coded to one of these may say more.
UNSPECIFIED_SITE = frozenset(["C80.1", "C80.0", "C79.9", "D49", "D49.9", "D48.9", "D36.9", "D09.9"])
_WORD = re.compile(r"[A-Za-z][A-Za-z\-]*")
_CLAUSE_BREAK = re.compile(r"[.;:\n()\[\]]")
_SIDES = ("right", "left", "bilateral")
_AFTER = re.compile(
    r"(?:[ \t]+in[ \t]+situ)?[ \t]+(?:of|in|to|into|involving|at|from)[ \t]+(?:the[ \t]+)?",
    re.IGNORECASE,
)
_MAX_SITE_WORDS = 3
_MAX_WORDS_BEFORE = 8
_CLAUSE_WINDOW = 400  # characters: far more than the words read either side of a neoplasm


class _NeoplasmData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    about: str
    secondary_words: frozenset[str]
    malignant_words: frozenset[str]
    benign_words: frozenset[str]
    in_situ_words: frozenset[str]
    unspecified_words: frozenset[str]
    site_spellings: dict[str, str]
    not_sites: frozenset[str]


@cache
def _data() -> _NeoplasmData:
    text = resources.files("models").joinpath("data", "neoplasm.json").read_text(encoding="utf-8")
    return _NeoplasmData.model_validate(json.loads(text))


@dataclass(frozen=True, slots=True)
class NeoplasmSite:
    """The Table code for a mention's site and behaviour, and the words that named them."""

    code: str  # the table cell, without the "-" of an incomplete code
    term: str  # "Neoplasm, kidney, malignant primary"
    start: int
    end: int
    laterality: str | None


def behaviour(text: str) -> str | None:
    """The Table column the words of a neoplasm mention name, or ``None`` for no neoplasm."""
    data = _data()
    found = {w.lower() for w in _WORD.findall(text)}
    if found & data.in_situ_words:
        return "ca_in_situ"
    if found & data.secondary_words and not found & data.malignant_words:
        return "malignant_secondary"
    if found & data.benign_words:
        return "benign"
    if found & data.malignant_words or found & data.secondary_words:
        return "malignant_primary"
    if found & data.unspecified_words:
        return "unspecified_behavior"
    return None


def _row(words: list[str]) -> tuple[NeoplasmRow, str] | None:
    """The deepest Table row some site words name, with the path that found it."""
    return _row_of(tuple(w.lower() for w in words))


# A site reading tries each word before a neoplasm word about twice, alone and in pairs, and the
# same site words recur note after note; each try is a Table search. The answer depends on the
# lower-cased words only, so it is kept (a reading: 0.11 -> 0.09 ms on first sight of its
# words, 0.08 -> 0.03 ms once they have been seen).
@lru_cache(maxsize=16_384)
def _row_of(words: tuple[str, ...]) -> tuple[NeoplasmRow, str] | None:
    data = _data()
    phrase = " ".join(words)
    if not words or words[0] in data.not_sites or phrase in data.not_sites:
        return None
    if any(behaviour(w) is not None for w in words):
        return None  # "malignant" is also a spelling of the row "Meckel diverticulum, malignant"
    spelled = data.site_spellings.get(phrase, phrase)
    paths = [tuple(spelled.split(", "))]
    if len(words) > 1 and words[0] not in data.not_sites:
        # a qualifier before a site is the Table's subterm: "renal pelvis" is "pelvis, renal",
        # "mediastinal lymph nodes" is "lymph ..., gland, mediastinal"
        rest = " ".join(words[1:])
        head = data.site_spellings.get(rest, rest)
        paths.append((*head.split(", "), words[0]))
    for path in paths:
        row = neoplasm_row(*path)
        if row is not None and row.path:
            return row, ", ".join(path)
    return None


def _site_in(words: list[tuple[str, int, int]]) -> tuple[NeoplasmRow, str, int, int] | None:
    # the longest run of words (at most three) that names a row, earliest first
    for size in range(min(_MAX_SITE_WORDS, len(words)), 0, -1):
        for i in range(len(words) - size + 1):
            run = words[i : i + size]
            found = _row([w for w, _s, _e in run])
            if found is not None:
                return found[0], found[1], run[0][1], run[-1][2]
    return None


def _side_before(note: str, start: int) -> str | None:
    before = note[max(0, start - 20) : start].lower().split()
    return before[-1] if before and before[-1] in _SIDES else None


def _words(note: str, start: int, end: int) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(note, start, end)]


def read_site(note: str, start: int, end: int, column: str) -> NeoplasmSite | None:
    """The Table cell for the neoplasm named at ``note[start:end]`` and the site around it."""
    # the clause is read at most _CLAUSE_WINDOW characters either side: reading to the note's
    # start and end for each mention was quadratic ("carcinoma " x 15,000 took 20 s)
    low, high = max(0, start - _CLAUSE_WINDOW), min(len(note), end + _CLAUSE_WINDOW)
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(note, low, start)]
    clause_start = max(breaks, default=low)
    stop = _CLAUSE_BREAK.search(note, end, high)
    clause_end = stop.start() if stop is not None else high
    data = _data()
    found: tuple[NeoplasmRow, str, int, int] | None = None
    after = _AFTER.match(note, end, clause_end)
    if after is not None:
        following = _words(note, after.end(), clause_end)
        if following and following[0][0].lower() in _SIDES:
            following = following[1:]
        run = following[:_MAX_SITE_WORDS]
        names_primary = any(
            w.lower() in data.malignant_words or w.lower() in data.unspecified_words
            for w, _s, _e in following[: _MAX_SITE_WORDS + 3]
        )
        if not (column == "malignant_secondary" and names_primary):
            found = _site_in(run)
            if found is not None and found[2] > run[min(1, len(run) - 1)][1]:
                found = None  # the site follows the preposition, at most one word after it
    if found is None:
        inside = _words(note, start, end)
        behaviour_at = next(
            (
                i
                for i, (w, _s, _e) in enumerate(inside)
                if behaviour(w) is not None or w.lower() in ("cell", "cells")
            ),
            len(inside),
        )
        before = _words(note, clause_start, start)[-_MAX_WORDS_BEFORE:] + inside[:behaviour_at]
        for k in range(len(before) - 1, -1, -1):
            found = _site_in(before[max(0, k - 1) : k + 1])
            if found is not None:
                break
    if found is None:
        return None
    row, path, site_start, site_end = found
    code = getattr(row, column)
    if not code:
        return None
    label = column.replace("_", " ")
    return NeoplasmSite(
        code=code.rstrip("-"),
        term=f"Neoplasm, {path}, {label}",
        start=min(start, site_start),
        end=max(end, site_end),
        laterality=_side_before(note, site_start),
    )
