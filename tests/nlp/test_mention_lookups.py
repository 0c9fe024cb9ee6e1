"""The mention finder's fast lookups equal the slow ones they replace."""

from __future__ import annotations

import random
import re

import pytest
from rapidfuzz import process
from rapidfuzz.distance import OSA

from nlp.mentions import _alternation, _NearIndex, _shared_length
from nlp.pipeline import ClinicalPipeline
from nlp.rules import abbreviation_lexicon

WORDS = [
    "pneumonia", "pneumonitis", "pneumothorax", "pancreatitis", "pancreatic", "paresthesia",
    "pericarditis", "peritonitis", "pyelonephritis", "polyneuropathy", "pharyngitis",
    "phlebitis", "pleuritis", "pleurisy", "proteinuria", "pruritus", "psoriasis", "pyelitis",
]  # fmt: skip


def _edits(word: str, rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz\u00e9"
    found = [word]
    for i in range(len(word)):
        c = rng.choice(letters)
        found += [word[:i] + word[i + 1 :], word[:i] + c + word[i:], word[:i] + c + word[i + 1 :]]
        found.append(word[:i] + word[i + 1 : i + 2] + word[i] + word[i + 2 :])
        found.append(word[:i] + c + word[i + 2 :])  # two edits: usually no match
    return found


def test_near_index_equals_extract_one() -> None:
    rng = random.Random(7)
    for word in WORDS:
        for query in _edits(word, rng):
            if len(query) < 7:
                continue
            lengths = (len(query) - 1, len(query), len(query) + 1)
            choices = [w for w in WORDS if w[0] == query[0] and len(w) in lengths]
            hit = process.extractOne(query, choices, scorer=OSA.distance, score_cutoff=1)
            expected = None if hit is None else hit[0]
            near = _NearIndex(choices, _shared_length(len(query)))
            assert near.first_within_one(query) == expected, query


def test_grouped_abbreviation_expression_finds_what_one_branch_each_finds() -> None:
    lexicon = abbreviation_lexicon().abbreviations
    text = (
        "Hx of HTN, DM2 and CKD-3b; N/V x2 days, SOB/DOE on exertion. s/p CABG. COPD exacerbation."
        " c/o CP, no SOB. Pt has afib and chf; PE normal; htn controlled. T2DM, HbA1c 7.2."
    )
    for any_case, flags in ((False, 0), (True, re.IGNORECASE)):
        shorts = sorted((e.short for e in lexicon if e.any_case is any_case), key=len)[::-1]
        body = "|".join(re.escape(s) for s in shorts)
        plain = re.compile(rf"(?<![\w/&-])(?:{body})(?![\w/&]|-\w)", flags)
        grouped = _alternation(shorts, flags)
        assert grouped is not None
        expected = [m.span() for m in plain.finditer(text)]
        assert expected
        assert [m.span() for m in grouped.finditer(text)] == expected


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Reports chest pain since Monday.", True),
        ("Reports chest (pain) since Monday.", False),  # a mark between the words ends a phrase
        ("Chest: pain since Monday.", False),
        ("Chest wall normal. Pain since Monday.", False),
        ("chest  pain", True),  # spaces alone do not
    ],
)
def test_phrase_ending_marks_split_windows(
    pipeline: ClinicalPipeline, text: str, found: bool
) -> None:
    codes = {c.code for m in pipeline.process(text).mentions for c in m.concepts}
    assert ("R07.9" in codes) is found
