"""Combination codes (diabetes "with", hypertension I11-I13) and CKD stage linking."""

from __future__ import annotations

from typing import Any

import pytest

P = "problem"

# (note, mentions as (phrase, label, attributes, flags), expected codes exactly, among ICD)
CASES = [
    (
        "diabetes alone",
        "Type 2 diabetes.",
        [("Type 2 diabetes", P, {"type": "type 2"}, ())],
        {"E11.9"},
    ),
    (
        "diabetes with neuropathy",
        "Type 2 diabetes. Neuropathy of feet.",
        [("Type 2 diabetes", P, {}, ()), ("Neuropathy", P, {}, ())],
        {"E11.40"},
    ),
    (
        "diabetes with polyneuropathy",
        "Type 2 diabetes. Polyneuropathy.",
        [("Type 2 diabetes", P, {}, ()), ("Polyneuropathy", P, {}, ())],
        {"E11.42"},
    ),
    (
        "type 1 diabetes with retinopathy",
        "Type 1 diabetes. Retinopathy.",
        [("Type 1 diabetes", P, {"type": "type 1"}, ()), ("Retinopathy", P, {}, ())],
        {"E10.319"},
    ),
    (
        "diabetes with CKD keeps the stage",
        "Type 2 diabetes. CKD stage 4.",
        [("Type 2 diabetes", P, {}, ()), ("CKD stage 4", P, {"stage": "4"}, ())],
        {"E11.22", "N18.4"},
    ),
    (
        "diabetes with negated neuropathy",
        "Type 2 diabetes. No neuropathy.",
        [("Type 2 diabetes", P, {}, ()), ("neuropathy", P, {}, ("negated",))],
        {"E11.9"},
    ),
    (
        "diabetes with hyperglycemia",
        "Type 2 diabetes with hyperglycemia.",
        [("Type 2 diabetes", P, {}, ()), ("hyperglycemia", "symptom", {}, ())],
        {"E11.65"},
    ),
    (
        "diabetes with no type defaults to type 2",
        "Diabetes. Gastroparesis.",
        [("Diabetes", P, {}, ()), ("Gastroparesis", P, {}, ())],
        {"E11.43", "K31.84"},
    ),
    ("hypertension alone", "Hypertension.", [("Hypertension", P, {}, ())], {"I10"}),
    (
        "hypertension with heart failure",
        "Hypertension. Chronic diastolic heart failure.",
        [
            ("Hypertension", P, {}, ()),
            ("diastolic heart failure", P, {"acuity": "chronic", "type": "diastolic"}, ()),
        ],
        {"I11.0", "I50.32"},
    ),
    (
        "hypertension with CKD",
        "Hypertension. CKD stage 3b.",
        [("Hypertension", P, {}, ()), ("CKD stage 3b", P, {"stage": "3b"}, ())],
        {"I12.9", "N18.32"},
    ),
    (
        "hypertension with ESRD",
        "Hypertension. ESRD on dialysis.",
        [("Hypertension", P, {}, ()), ("ESRD", P, {}, ())],
        {"I12.0", "N18.6"},
    ),
    (
        "hypertension with heart failure and CKD",
        "Hypertension. CHF. CKD stage 2.",
        [("Hypertension", P, {}, ()), ("CHF", P, {}, ()), ("CKD stage 2", P, {"stage": "2"}, ())],
        {"I13.0", "I50.9", "N18.2"},
    ),
    (
        # CKD stated by the diabetes combination code is still hypertensive CKD (I.C.9.a.2)
        "hypertension with diabetic CKD",
        "Type 2 diabetes mellitus with diabetic chronic kidney disease stage 4. Hypertension.",
        [
            (
                "Type 2 diabetes mellitus with diabetic chronic kidney disease",
                P,
                {"stage": "4"},
                (),
            ),
            ("Hypertension", P, {}, ()),
        ],
        {"E11.22", "I12.9", "N18.4"},
    ),
    (
        "hypertension and heart failure with diabetic ESRD",
        "Type 2 diabetes mellitus with diabetic chronic kidney disease, ESRD. Hypertension. CHF.",
        [
            (
                "Type 2 diabetes mellitus with diabetic chronic kidney disease",
                P,
                {"stage": "end stage"},
                (),
            ),
            ("Hypertension", P, {}, ()),
            ("CHF", P, {}, ()),
        ],
        {"E11.22", "I13.2", "I50.9", "N18.6"},
    ),
    (
        "hypertension with negated heart failure",
        "Hypertension. No heart failure.",
        [("Hypertension", P, {}, ()), ("heart failure", P, {}, ("negated",))],
        {"I10"},
    ),
    (
        "hypertensive heart disease with heart failure",
        "Hypertensive heart disease. Acute systolic heart failure.",
        [
            ("Hypertensive heart disease", P, {}, ()),
            ("systolic heart failure", P, {"acuity": "acute", "type": "systolic"}, ()),
        ],
        {"I11.0", "I50.21"},
    ),
]


@pytest.mark.parametrize(("name", "text", "specs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_combination_codes(
    engine_for: Any, spec: Any, name: str, text: str, specs: list[Any], expected: set[str]
) -> None:
    result = engine_for([spec(*row) for row in specs]).code(text)
    assert {s.code for s in result.suggestions if s.system == "ICD-10-CM"} == expected, name


def test_combination_keeps_evidence_of_both_conditions(engine_for: Any, spec: Any) -> None:
    text = "Type 2 diabetes. Neuropathy of feet."
    engine = engine_for([spec("Type 2 diabetes"), spec("Neuropathy")])
    (suggestion,) = engine.code(text).suggestions
    assert {e.text for e in suggestion.evidence} == {"Type 2 diabetes", "Neuropathy"}
    assert "I.A.15" in suggestion.rationale


def test_hypertension_ckd_links_the_stage(engine_for: Any, spec: Any) -> None:
    text = "Hypertension. CKD stage 4."
    engine = engine_for([spec("Hypertension"), spec("CKD stage 4", attributes={"stage": "4"})])
    by_code = {s.code: s for s in engine.code(text).suggestions}
    assert [(link.code, link.relation) for link in by_code["I12.9"].linked] == [
        ("N18.4", "use_additional")
    ]
