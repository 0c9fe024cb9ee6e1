"""Excludes1 conflicts and "code first" / "use additional code" links among suggestions."""

from __future__ import annotations

from typing import Any

import pytest

from codesets.model import System
from models.candidate import Candidate, Span
from models.conflicts import flag_excludes1, link_instructions, matches, references


def _candidate(code: str) -> Candidate:
    return Candidate(System.ICD10CM, code, [Span(0, 1)], "exact:lexicon", 1.0)


@pytest.mark.parametrize(
    ("code", "note", "expected"),
    [
        ("E10.9", "type 1 diabetes mellitus (E10.-)", True),
        ("E11.9", "type 1 diabetes mellitus (E10.-)", False),
        ("N18.3", "stage of chronic kidney disease (N18.1-N18.4, N18.9)", True),
        ("N18.6", "stage of chronic kidney disease (N18.1-N18.4, N18.9)", False),
        ("I27.0", "primary pulmonary hypertension (I27.0)", True),
        ("I27.1", "primary pulmonary hypertension (I27.0)", False),
    ],
)
def test_note_references(code: str, note: str, expected: bool) -> None:
    assert matches(code, note) is expected
    assert matches(code, note) is expected  # the memoized answer is the same


def test_references_are_parsed_once_and_immutable() -> None:
    note = "stage of chronic kidney disease (N18.1-N18.4, N18.9)"
    first = references(note)
    assert first == (("N181", "N184"), ("N189", "N189"))
    assert references(note) is first  # memoized: the same tabular notes recur for every note
    assert isinstance(first, tuple)  # a shared cached value nobody can append to


def test_excludes1_pair_is_flagged_on_both(codebook: Any) -> None:
    one, other = _candidate("E11.9"), _candidate("E10.9")
    flag_excludes1([one, other], codebook)
    assert any("Excludes1" in w for w in one.warnings)
    assert any("Excludes1" in w for w in other.warnings)


def test_unrelated_codes_are_not_flagged(codebook: Any) -> None:
    one, other = _candidate("E11.9"), _candidate("I10")
    flag_excludes1([one, other], codebook)
    assert not one.warnings and not other.warnings


def test_use_additional_code_links_present_code(codebook: Any) -> None:
    hypertensive, stage = _candidate("I12.9"), _candidate("N18.4")
    link_instructions([hypertensive, stage], codebook)
    assert ("N18.4", "use_additional") in {(k.code, k.relation) for k in hypertensive.linked}


def test_code_first_without_its_code_warns(codebook: Any) -> None:
    # G63 (polyneuropathy in diseases classified elsewhere) asks for its cause first.
    lone = _candidate("K31.84")
    link_instructions([lone], codebook)
    record = codebook.get(System.ICD10CM, "K31.84")
    assert record.code_first
    assert any(w.startswith("code first the underlying") for w in lone.warnings)


def test_code_first_alternatives_do_not_warn(codebook: Any) -> None:
    # I50.9 lists circumstances ("complicating abortion", "following surgery"), none required.
    lone = _candidate("I50.9")
    link_instructions([lone], codebook)
    assert not lone.warnings


def test_single_code_first_warns_until_present(codebook: Any) -> None:
    pneumonia, covid = _candidate("J12.82"), _candidate("U07.1")
    link_instructions([pneumonia], codebook)
    assert any("U07.1" in w for w in pneumonia.warnings)
    pneumonia.warnings.clear()
    link_instructions([pneumonia, covid], codebook)
    assert ("U07.1", "code_first") in {(k.code, k.relation) for k in pneumonia.linked}
    assert not pneumonia.warnings


def test_code_first_satisfied_links_instead_of_warning(codebook: Any) -> None:
    failure, combined = _candidate("I50.32"), _candidate("I11.0")
    link_instructions([failure, combined], codebook)
    assert ("I11.0", "code_first") in {(k.code, k.relation) for k in failure.linked}
    assert not any(w.startswith("code first") for w in failure.warnings)
