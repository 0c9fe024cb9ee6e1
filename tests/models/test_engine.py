"""The engine end to end on hand-built mentions: output contract, evidence, bad input."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from codesets.errors import CodeSetVersionUnavailable
from models.engine import STAGES
from models.errors import InvalidNote

NOTE = (
    "Established patient.\nAssessment: Type 2 diabetes with neuropathy. Hypertension.\n"
    "Denies chest pain. Mother had breast cancer.\nOn metformin long term.\nMDM: moderate."
)
SPECS = [
    ("Type 2 diabetes", "problem", {"type": "type 2"}, ()),
    ("neuropathy", "problem", {}, ()),
    ("Hypertension", "problem", {}, ()),
    ("chest pain", "symptom", {}, ("negated",)),
    ("breast cancer", "problem", {}, ("family",)),
]


@pytest.fixture(scope="module")
def result(engine_for: Any, spec: Any) -> Any:
    return engine_for([spec(*row) for row in SPECS]).code(NOTE, date_of_service=date(2026, 1, 5))


def test_expected_codes(result: Any) -> None:
    assert {(s.system, s.code) for s in result.suggestions} == {
        ("ICD-10-CM", "E11.40"),
        ("ICD-10-CM", "I10"),
        ("ICD-10-CM", "Z80.3"),
        ("ICD-10-CM", "Z79.84"),
        ("CPT", "99214"),
    }


def test_every_suggestion_has_exact_evidence(result: Any) -> None:
    for suggestion in result.suggestions:
        assert suggestion.evidence
        for evidence in suggestion.evidence:
            assert NOTE[evidence.start : evidence.end] == evidence.text
            assert evidence.text


def test_contract_fields(result: Any) -> None:
    assert [s.rank for s in result.suggestions] == list(range(1, len(result.suggestions) + 1))
    confidences = [s.confidence for s in result.suggestions]
    assert confidences == sorted(confidences, reverse=True)
    assert all(s.status == "needs_review" for s in result.suggestions)
    assert all(s.billable and s.description and s.rationale for s in result.suggestions)
    assert result.versions.icd10cm == "2026"
    assert len(result.mentions) == len(SPECS)
    assert result.no_suggestions_reason is None


def test_negated_condition_never_suggested(result: Any) -> None:
    assert not any(s.code.startswith("R07") for s in result.suggestions)


@pytest.mark.parametrize("text", ["", "   \n\t ", None, 42])
def test_bad_note_is_a_clear_error(engine_for: Any, text: Any) -> None:
    with pytest.raises(InvalidNote):
        engine_for([]).code(text)


def test_too_long_note_is_a_clear_error(engine_for: Any) -> None:
    with pytest.raises(InvalidNote, match="longer"):
        engine_for([]).code("x" * 200_001)


def test_no_codable_content_gives_a_reason(engine_for: Any) -> None:
    result = engine_for([]).code("The weather was pleasant and the patient's dog is well.")
    assert result.suggestions == []
    assert result.no_suggestions_reason == "no codable content found"


def test_only_uncodable_mentions_give_a_reason(engine_for: Any, spec: Any) -> None:
    result = engine_for([spec("fever", "symptom", flags=("negated",))]).code("No fever.")
    assert result.suggestions == []
    assert result.no_suggestions_reason is not None
    assert "guidelines" in result.no_suggestions_reason


@pytest.mark.parametrize("day", [date(2024, 1, 1), date(2027, 1, 1)])
def test_date_outside_loaded_releases(engine_for: Any, day: date) -> None:
    with pytest.raises(CodeSetVersionUnavailable, match="2025-10-01"):
        engine_for([]).code("Hypertension.", date_of_service=day)


def test_json_round_trip(result: Any) -> None:
    dumped = result.model_dump(mode="json")
    assert dumped["suggestions"][0]["status"] == "needs_review"
    assert set(dumped["versions"]) == {"icd10cm", "hcpcs", "cpt", "model", "pipeline"}


def test_code_timed_reports_every_stage_and_the_same_result(engine_for: Any, spec: Any) -> None:
    engine = engine_for([spec(*row) for row in SPECS])
    day = date(2026, 1, 5)
    result, timings = engine.code_timed(NOTE, date_of_service=day)
    assert tuple(timings) == STAGES
    assert all(ms >= 0.0 for ms in timings.values())
    # the fake pipeline keeps no stage clocks: its whole call is "nlp_other"
    assert timings["tokenize"] == 0.0 and timings["candidates"] > 0.0
    assert result == engine.code(NOTE, date_of_service=day)


def test_model_version_says_when_semantic_matching_is_on(engine_for: Any, spec: Any) -> None:
    engine = engine_for([spec(*row) for row in SPECS])
    plain = engine.versions().model
    assert not plain.endswith("+semantic")
    engine.semantic = object()  # any attached matcher changes what the engine can suggest
    assert engine.versions().model == f"{plain}+semantic"
