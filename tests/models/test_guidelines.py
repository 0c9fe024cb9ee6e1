"""Guideline rules, each with positive and negative cases, through the whole engine."""

from __future__ import annotations

from typing import Any

import pytest

from models.engine import CodingOptions


def _codes(engine_for: Any, spec: Any, text: str, specs: list[Any], **kwargs: Any) -> set[str]:
    result = engine_for([spec(*row) for row in specs]).code(text, **kwargs)
    return {s.code for s in result.suggestions if s.system == "ICD-10-CM"}


P, S = "problem", "symptom"

# (note, mentions as (phrase, label, attributes, flags), setting, expected in, expected out)
CASES = [
    (
        "negated condition not coded",
        "No fever today.",
        [("fever", S, {}, ("negated",))],
        "outpatient",
        set(),
        {"R50.9"},
    ),
    (
        "present condition coded",
        "Fever today.",
        [("Fever", S, {}, ())],
        "outpatient",
        {"R50.9"},
        set(),
    ),
    (
        "hypothetical not coded",
        "Return if chest pain develops.",
        [("chest pain", S, {}, ("hypothetical",))],
        "outpatient",
        set(),
        {"R07.9"},
    ),
    (
        "family history to Z80-Z84",
        "Mother had breast cancer.",
        [("breast cancer", P, {}, ("family",))],
        "outpatient",
        {"Z80.3"},
        {"C50.919"},
    ),
    (
        "family history of diabetes",
        "Father has type 2 diabetes.",
        [("type 2 diabetes", P, {}, ("family",))],
        "outpatient",
        {"Z83.3"},
        {"E11.9"},
    ),
    (
        "patient's own cancer is not family history",
        "Breast cancer on chemotherapy.",
        [("Breast cancer", P, {}, ())],
        "outpatient",
        {"C50.919"},
        {"Z80.3"},
    ),
    (
        "personal history of resolved condition to Z85-Z87",
        "History of stroke without residual deficits.",
        [("stroke", P, {}, ("historical",))],
        "outpatient",
        {"Z86.73"},
        {"I63.9"},
    ),
    (
        "personal history of cancer",
        "History of colon cancer, resected.",
        [("colon cancer", P, {}, ("historical",))],
        "outpatient",
        {"Z85.038"},
        {"C18.9"},
    ),
    (
        "old myocardial infarction",
        "History of myocardial infarction.",
        [("myocardial infarction", P, {}, ("historical",))],
        "outpatient",
        {"I25.2"},
        {"I21.9"},
    ),
    (
        "chronic condition under history is still current",
        "History of hypertension.",
        [("hypertension", P, {}, ("historical",))],
        "outpatient",
        {"I10"},
        set(),
    ),
    (
        "uncertain outpatient: code the symptom instead",
        "Cough, probable pneumonia.",
        [("Cough", S, {}, ()), ("pneumonia", P, {}, ("uncertain",))],
        "outpatient",
        {"R05.9"},
        {"J18.9"},
    ),
    (
        "uncertain inpatient: coded as established, symptom integral",
        "Cough, probable pneumonia.",
        [("Cough", S, {}, ()), ("pneumonia", P, {}, ("uncertain",))],
        "inpatient",
        {"J18.9"},
        {"R05.9"},
    ),
    (
        "symptom integral to confirmed diagnosis",
        "Fever with pneumonia.",
        [("Fever", S, {}, ()), ("pneumonia", P, {}, ())],
        "outpatient",
        {"J18.9"},
        {"R50.9"},
    ),
    (
        "symptom kept when the diagnosis is negated",
        "Fever, no pneumonia.",
        [("Fever", S, {}, ()), ("pneumonia", P, {}, ("negated",))],
        "outpatient",
        {"R50.9"},
        {"J18.9"},
    ),
    (
        "symptom not integral to an unrelated diagnosis",
        "Fever; hypertension.",
        [("Fever", S, {}, ()), ("hypertension", P, {}, ())],
        "outpatient",
        {"R50.9", "I10"},
        set(),
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "specs", "setting", "present", "absent"), CASES, ids=[c[0] for c in CASES]
)
def test_assertion_rules(
    engine_for: Any,
    spec: Any,
    name: str,
    text: str,
    specs: list[Any],
    setting: str,
    present: set[str],
    absent: set[str],
) -> None:
    codes = _codes(engine_for, spec, text, specs, setting=setting)
    assert present <= codes, name
    assert not (absent & codes), name


def test_negated_included_on_request(engine_for: Any, spec: Any) -> None:
    """CodiEsp's convention: negated mentions are coded when the caller asks for it."""
    engine = engine_for([spec("edema", "symptom", {}, ("negated",))])
    default = engine.code("Legs without edema.")
    asked = engine.code("Legs without edema.", options=CodingOptions(include_negated=True))
    assert not default.suggestions
    assert [s.code for s in asked.suggestions] == ["R60.9"]
    assert any("negates" in w for w in asked.suggestions[0].warnings)


def test_foreign_options_object_is_accepted(engine_for: Any, spec: Any) -> None:
    """Any object with ``include_negated`` works (the evaluation harness passes its own)."""

    class Options:
        include_negated = True

    engine = engine_for([spec("edema", "symptom", {}, ("negated",))])
    result = engine.code("Legs without edema.", options=Options())
    assert [s.code for s in result.suggestions] == ["R60.9"]


MORE_CASES = [
    ("history of prefix marks the mention historical",
     "Personal history of colon cancer, resected.", [("colon cancer", P, {}, ())], "outpatient",
     {"Z85.038"}, {"C18.9"}),
    ("family history prefix is left to the family flag",
     "Family history of colon cancer.", [("colon cancer", P, {}, ("family",))], "outpatient",
     {"Z80.0"}, {"Z85.038"}),
    ("external cause codes are not suggested",
     "Fall at home.", [("Fall", P, {}, ())], "outpatient", set(), {"W19.XXXA"}),
    ("unspecified code folds into the specific one",
     "Asthma. Mild intermittent asthma.",
     [("Asthma", P, {}, ()), ("Mild intermittent asthma", P, {}, ())], "outpatient",
     {"J45.20"}, {"J45.909"}),
    ("a duration before 'history of' dates a current illness, not a past one",
     "Seen for a 2-month history of pneumonia.", [("pneumonia", P, {}, ())], "inpatient",
     {"J18.9"}, {"Z87.01"}),
    ("a spelled-out duration with an apostrophe",
     "Three weeks' history of pneumonia.", [("pneumonia", P, {}, ())], "inpatient",
     {"J18.9"}, {"Z87.01"}),
    ("a bare 'history of' stays a personal history",
     "Seen with a history of pneumonia.", [("pneumonia", P, {}, ())], "inpatient",
     {"Z87.01"}, {"J18.9"}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "specs", "setting", "present", "absent"), MORE_CASES,
                         ids=[c[0] for c in MORE_CASES])  # fmt: skip
def test_more_rules(
    engine_for: Any, spec: Any, name: str, text: str, specs: list[Any], setting: str,
    present: set[str], absent: set[str],
) -> None:  # fmt: skip
    codes = _codes(engine_for, spec, text, specs, setting=setting)
    assert present <= codes, name
    assert not (absent & codes), name
