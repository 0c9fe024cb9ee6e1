"""Section headers: each style of header in the case table opens the right section."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nlp.rules import section_rules
from nlp.sections import SectionFinder

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "sections.jsonl").read_text().splitlines()
    if line.strip()
]


@pytest.fixture(scope="module")
def finder() -> SectionFinder:
    return SectionFinder(section_rules())


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] for c in CASES])
def test_headers(finder: SectionFinder, case: dict[str, Any]) -> None:
    text = case["text"]
    found = finder.find(text)
    assert [(s.name, text[s.header_start : s.header_end]) for s in found] == [
        tuple(pair) for pair in case["sections"]
    ]


def test_sections_tile_the_text_from_the_first_header(finder: SectionFinder) -> None:
    text = "Note.\nHPI: cough.\nPMH: HTN.\nPlan:\nrest"
    found = finder.find(text)
    assert found[0].start == text.index("HPI")
    assert [s.end for s in found[:-1]] == [s.start for s in found[1:]]
    assert found[-1].end == len(text)


def test_every_rule_header_is_found_with_a_colon(finder: SectionFinder) -> None:
    for rule in section_rules().sections:
        for header in rule.headers:
            text = f"Intro line.\n{header.upper()}: words"
            names = [s.name for s in finder.find(text)]
            assert names, header
            # a header shared by two rules belongs to the first rule that lists it
            assert names[0] == next(r.name for r in section_rules().sections if header in r.headers)


@pytest.mark.parametrize(
    ("text", "inside", "outside"),
    [
        (
            "Family history: mother with breast cancer.\nHe presents with chest pain.",
            "breast cancer",
            "chest pain",
        ),
        ("PMH: asthma as a child.\nToday wheezing and cough.", "asthma", "wheezing"),
    ],
)
def test_inline_history_section_ends_with_its_line(
    finder: SectionFinder, text: str, inside: str, outside: str
) -> None:
    found = finder.find(text)
    section = found[0]
    assert section.start <= text.index(inside) < section.end
    assert section.end <= text.index(outside)
    assert all(not (s.start <= text.index(outside) < s.end) for s in found)


def test_wrapped_history_list_stays_in_its_section(finder: SectionFinder) -> None:
    text = "Past medical history: hypertension,\ndiabetes, asthma.\nHe presents with cough."
    section = finder.find(text)[0]
    assert section.name == "past_medical_history"
    assert section.end == len(text)  # the line does not end a sentence: the section goes on


def test_inline_assessment_runs_on(finder: SectionFinder) -> None:
    text = "Assessment: pneumonia.\nStart antibiotics."
    assert finder.find(text)[0].end == len(text)


_COLON_TEXTS = [
    "Plan: rest.",
    "HPI: cough. Assessment: bronchitis. Plan: fluids.",
    "Seen today.  Assessment:  acute otitis media\nPlan : amoxicillin",
    "\r\nHistory of present illness:\rfever\r\nAllergies:none",
    "Vitals | Medications: lisinopril | Family history: mother with diabetes",
    "Exam normal" + " " * 40 + "Impression: viral illness. Time: 10:30 and 11:45.",
    "no colon anywhere in this note\nnor on this line",
    "the plan: is mentioned mid sentence: here\n\n\nPLAN:",
]


def test_colon_headers_are_searched_on_colon_lines_only(finder: SectionFinder) -> None:
    # the same matches as a search over the whole text, which a colon-less line cannot hold
    for text in _COLON_TEXTS:
        expected = [m.span() for m in finder._colon.finditer(text)]
        assert [m.span() for m in finder._colon_matches(text)] == expected, text
    assert any(finder._colon.search(text) for text in _COLON_TEXTS)
