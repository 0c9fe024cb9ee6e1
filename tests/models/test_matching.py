"""Phrase matching: token bags, partial bags, context readings, skipped mentions."""

from __future__ import annotations

from typing import Any

import pytest

from models.candidates import context_of, find_code, skipped
from models.matching import bag


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("type 2 diabetes", "Diabetes, type 2"),
        ("Essential hypertension", "hypertension, essential"),
        ("kidney stones", "kidney stone"),
    ],
)
def test_same_bag(one: str, other: str) -> None:
    assert bag(one) == bag(other)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("hypertension", "I10"),
        ("HTN", "I10"),
        ("Type 2 diabetes", "E11.9"),
        ("acute bronchitis", "J20.9"),
        ("Iron deficiency anemia", "D50.9"),
    ],
)
def test_exact(matcher: Any, text: str, code: str) -> None:
    hit = matcher.exact(text)
    assert hit is not None and hit.code == code and hit.score == 1.0


@pytest.mark.parametrize(
    ("text", "code"),
    [("CKD stage 3a", "N18.9"), ("severe plaque psoriasis", "L40.0")],
)
def test_partial_keeps_a_content_word(matcher: Any, text: str, code: str) -> None:
    hit = matcher.partial(text)
    assert hit is not None and hit.code == code and hit.score < 1.0


def test_partial_never_matches_modifiers_alone(matcher: Any) -> None:
    assert matcher.partial("left stage 2") is None


def test_following_clause_reading(matcher: Any, mentions_of: Any, spec: Any) -> None:
    note = "Assessment: COPD with acute exacerbation.\n"
    (mention,) = mentions_of(note, [spec("COPD")])
    found = find_code(matcher, mention, context_of(note, mention))
    assert found is not None and found.match.code == "J44.1" and found.via == "context"
    assert found.span is not None
    assert note[found.span[0] : found.span[1]] == "COPD with acute exacerbation"


def test_preceding_words_reading(matcher: Any, mentions_of: Any, spec: Any) -> None:
    note = "Principal diagnosis: lobar pneumonia of the left lower lobe."
    (mention,) = mentions_of(note, [spec("pneumonia")])
    found = find_code(matcher, mention, context_of(note, mention))
    assert found is not None and found.match.code == "J18.1"


@pytest.mark.parametrize(
    ("note", "phrase", "expected"),
    [
        ("Influenza vaccine given.", "Influenza", True),
        ("Rapid strep test positive.", "strep", True),
        ("MDM: moderate (chronic illness with progression).", "illness", True),
        ("Influenza A with fever.", "Influenza", False),
    ],
)
def test_skipped_mentions(
    mentions_of: Any, spec: Any, note: str, phrase: str, expected: bool
) -> None:
    (mention,) = mentions_of(note, [spec(phrase)])
    assert skipped(note, mention) is expected
