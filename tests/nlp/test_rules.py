"""The rule files load through their schemas, and the schemas reject what they do not know."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from nlp.rules import (
    AbbreviationLexicon,
    ContextRule,
    SectionRules,
    abbreviation_lexicon,
    attribute_rules,
    context_rules,
    rules_checksum,
    section_rules,
    vocabulary,
)


def test_packaged_rule_files_load() -> None:
    assert len(section_rules().sections) >= 15
    assert len(context_rules().rules) >= 300
    assert len(abbreviation_lexicon().abbreviations) >= 300
    assert attribute_rules().attributes
    assert vocabulary().noise_terms
    assert len(rules_checksum()) == 64


def test_lexicon_holds_the_issue_abbreviations() -> None:
    shorts = {e.short for e in abbreviation_lexicon().abbreviations}
    wanted = "HTN DM2 T2DM CHF HFrEF CAD CKD COPD AFib MI NSTEMI PE DVT UTI GERD OSA BPH SOB CP N/V"
    assert set(wanted.split()) <= shorts


def test_ambiguous_abbreviations_are_sense_restricted() -> None:
    senses = {e.short: e.senses for e in abbreviation_lexicon().abbreviations}
    assert "physical_exam" in senses["PE"][0].not_in
    assert any("physical_exam" in s.only_in for s in senses["MS"])


def test_unknown_keys_are_rejected() -> None:
    with pytest.raises(ValidationError):
        SectionRules.model_validate({"sections": [{"name": "x", "headers": ["x"], "colour": 1}]})
    with pytest.raises(ValidationError):
        AbbreviationLexicon.model_validate({"abbreviations": [{"short": "X", "senses": []}]})
    with pytest.raises(ValidationError):
        ContextRule.model_validate({"literal": "no", "category": "maybe"})


def test_slots_expand_to_literals() -> None:
    rule = ContextRule(
        literal="{n}-{unit} history",
        category="pseudo",
        direction="pseudo",
        slots={"n": ["one", "two"], "unit": ["day", "week"]},
    )
    assert rule.literals() == [
        "one-day history",
        "one-week history",
        "two-day history",
        "two-week history",
    ]
