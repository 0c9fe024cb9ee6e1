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
