"""Candidate generation: fracture sites, type words, section headers, the note's encounter,
stroke sequelae, the nicotine product and localized lymph nodes (hand-built mentions,
synthetic notes)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from codesets.model import System, Term
from models.candidates import fracture_reading
from models.engine import CodingEngine
from models.matching import TermMatcher
from models.rules import lexicon_data
from models.specificity import refine

# Alphabetic Index rows (FY2026) the fracture reading looks up; the packaged tabular has none.
INDEX_ROWS = [
    ("Fracture, traumatic, radius, distal end", "S52.50"),
    ("Fracture, traumatic, femur, femoral, neck", "S72.00"),
    ("Fracture, traumatic, clavicle, shaft", "S42.02"),
    ("Fracture, traumatic, neck", "S12.9"),
]


@dataclass
class _Doc:
    mentions: list[Any]


@pytest.fixture(scope="module")
def engine_for(codebook: Any, mentions_of: Any) -> Callable[[Sequence[Any]], CodingEngine]:
    """Like the shared fixture, with the index rows above in the phrase matcher."""
    index = [
        Term(path.rsplit(", ", 1)[1], System.ICD10CM, code, "index", path)
        for path, code in INDEX_ROWS
    ]
    lexicon = [(e.phrase, e.code) for e in lexicon_data().entries]
    matcher = TermMatcher.build([*codebook.terms(System.ICD10CM), *index], lexicon)

    class Pipeline:
        def __init__(self, specs: Sequence[Any]) -> None:
            self.specs = specs

        def process(self, text: str) -> _Doc:
            return _Doc(mentions_of(text, self.specs))

    def make(specs: Sequence[Any]) -> CodingEngine:
        return CodingEngine(
            codebook=codebook, pipeline=Pipeline(specs), matcher=matcher, pipeline_version="test"
        )

    return make


P = "problem"
S = "symptom"

# (name, note, mentions as (phrase, label, attributes, flags), expected ICD-10-CM codes exactly)
CASES = [
    (
        "fracture site and part from the clause, initial encounter",
        "Assessment: Closed fracture of distal right radius, initial encounter. Splinted.",
        [("fracture", P, {"laterality": "right", "encounter": "initial"}, ())],
        {"S52.501A"},
    ),
    (
        "femoral neck: the index heading reads 'femur, femoral'; side read from the clause",
        "Principal diagnosis: closed fracture of the neck of the right femur after a fall.",
        [("fracture of the neck", P, {}, ())],
        {"S72.001A"},
    ),
    (
        "midshaft clavicle, displacement not stated: displaced (I.C.19.c.1)",
        "X-ray: closed fracture of the left clavicle, midshaft.",
        [("fracture", P, {"laterality": "left", "encounter": "initial"}, ())],
        {"S42.022A"},
    ),
    (
        "stated nondisplaced",
        "X-ray: nondisplaced fracture of the left clavicle, midshaft.",
        [("fracture", P, {"laterality": "left", "encounter": "initial"}, ())],
        {"S42.025A"},
    ),
    (
        "the note's subsequent encounter dates the fracture named above it",
        "Follow-up of closed fracture of the distal right radius.\n"
        "Assessment: Distal right radius fracture, subsequent encounter, routine healing.",
        [
            ("fracture", P, {"laterality": "right"}, ()),
            ("fracture", P, {"laterality": "right", "encounter": "subsequent"}, (), 1),
        ],
        {"S52.501D"},
    ),
    (
        "a bare fracture with no site stays unspecified",
        "Fracture.",
        [("Fracture", P, {}, ())],
        {"T14.8XXA"},
    ),
    (
        "influenza A names an identified virus",
        "Assessment: Influenza A with cough and fever.",
        [("Influenza", P, {}, ())],
        {"J10.1"},
    ),
    (
        "influenza with no type",
        "Assessment: Influenza with cough and fever.",
        [("Influenza", P, {}, ())],
        {"J11.1"},
    ),
    (
        "a section header is not a diagnosis",
        "HISTORY OF PRESENT ILLNESS: cough for 2 days.",
        [("ILLNESS", S, {}, ()), ("cough", S, {}, ())],
        {"R05.9"},
    ),
    (
        "the same word in a sentence is coded",
        "Assessment: acute illness, cause unclear.",
        [("illness", S, {}, ())],
        {"R69"},
    ),
    (
        "hemiplegia following cerebral infarction is a sequela, right side dominant",
        "Assessment: Hemiplegia following cerebral infarction affecting right side.",
        [
            ("Hemiplegia", P, {"laterality": "right"}, ()),
            ("cerebral infarction", P, {}, ()),
        ],
        {"I69.351"},
    ),
    (
        "left-sided hemiplegia after a stroke defaults to non-dominant",
        "Left hemiplegia after stroke last year.",
        [("hemiplegia", P, {"laterality": "left"}, ()), ("stroke", P, {}, ("historical",))],
        {"I69.354"},
    ),
    (
        "a deficit not tied to the stroke stays separate",
        "Hemiplegia. Cerebral infarction.",
        [("Hemiplegia", P, {}, ()), ("Cerebral infarction", P, {}, ())],
        {"G81.90", "I63.9"},
    ),
    (
        "nicotine dependence with cigarettes named on its line",
        "Social history: smokes 1 pack of cigarettes per day, nicotine dependence.",
        [("nicotine dependence", P, {}, ())],
        {"F17.210"},
    ),
    (
        "nicotine dependence with no product",
        "Nicotine dependence.",
        [("Nicotine dependence", P, {}, ())],
        {"F17.200"},
    ),
    (
        "a smoker is nicotine dependence, unspecified product (Index: Smoker)",
        "Current smoker.",
        [("smoker", P, {}, ())],
        {"F17.200"},
    ),
    (
        "'smokes' with cigarettes on its line is cigarette dependence",
        "Smokes 1 pack of cigarettes per day.",
        [("Smokes", P, {}, ())],
        {"F17.210"},
    ),
    (
        "enlarged nodes of a named region are localized (Index: Enlarged, lymph node)",
        "Exam: left inguinal lymphadenopathy.",
        [("lymphadenopathy", S, {}, ())],
        {"R59.0"},
    ),
    (
        "the region may follow the mention",
        "Exam: lymphadenopathy in the right axilla.",
        [("lymphadenopathy", S, {}, ())],
        {"R59.0"},
    ),
    (
        "lymphadenopathy with no region stays unspecified",
        "Exam: lymphadenopathy.",
        [("lymphadenopathy", S, {}, ())],
        {"R59.9"},
    ),
    (
        "a former smoker is a history of nicotine dependence",
        "Former smoker, quit 10 years ago.",
        [("smoker", P, {}, ("historical",))],
        {"Z87.891"},
    ),
]


@pytest.mark.parametrize(("name", "text", "specs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_candidate_codes(
    engine_for: Any, spec: Any, name: str, text: str, specs: list[Any], expected: set[str]
) -> None:
    result = engine_for([spec(*row) for row in specs]).code(text)
    assert {s.code for s in result.suggestions if s.system == "ICD-10-CM"} == expected, name
    for suggestion in result.suggestions:
        for evidence in suggestion.evidence:
            assert text[evidence.start : evidence.end] == evidence.text


def test_fracture_evidence_is_the_clause(engine_for: Any, spec: Any) -> None:
    text = "X-ray: closed fracture of the right clavicle, midshaft.\nPlan: sling."
    engine = engine_for([spec("fracture", attributes={"laterality": "right"})])
    (suggestion,) = [s for s in engine.code(text).suggestions if s.system == "ICD-10-CM"]
    assert suggestion.code == "S42.021A"
    assert [e.text for e in suggestion.evidence] == [
        "closed fracture of the right clavicle, midshaft"
    ]
    assert "Fracture, traumatic, clavicle, shaft" in suggestion.rationale


def test_sequela_rationale_cites_the_guideline(engine_for: Any, spec: Any) -> None:
    text = "Aphasia due to old stroke."
    engine = engine_for([spec("Aphasia", label=S), spec("stroke")])
    (suggestion,) = engine.code(text).suggestions
    assert suggestion.code == "I69.320"
    assert "I.C.9.d" in suggestion.rationale
    assert {e.text for e in suggestion.evidence} == {"Aphasia", "stroke"}


def test_unspecified_child_is_the_plain_one(codebook: Any) -> None:
    # "Cerebral infarction, unspecified", not "... due to unspecified occlusion ..." (I.B.18)
    assert refine(codebook, "I63", {}).code == "I63.9"


@pytest.mark.parametrize(
    ("text", "traumatic"),
    [
        ("Closed fracture of the distal right radius.", True),
        ("Pathological fracture of the distal right radius.", False),
        ("Osteoporotic fracture of the distal radius.", False),
    ],
)
def test_fracture_reading_is_for_traumatic_fractures(
    codebook: Any, mentions_of: Any, spec: Any, text: str, traumatic: bool
) -> None:
    index = [Term("distal end", System.ICD10CM, "S52.50", "index", INDEX_ROWS[0][0])]
    matcher = TermMatcher.build(index, [])
    (mention,) = mentions_of(text, [spec("fracture")])
    found = fracture_reading(matcher, text, mention)
    assert (found is not None and found.match.code == "S52.50") is traumatic
