"""Known misses of the coder, end to end with the real pipeline and code sets (slow).

Each note is synthetic. The fixes behind them live in data (``nlp/data``, ``models/data``) and in
candidate generation, so they are checked the way a coder sees them: codes out of a note.
"""

from __future__ import annotations

import pytest

from models.engine import CodingEngine, CodingOptions, load_coder

RULES_ONLY = CodingOptions(use_ranker=False)


@pytest.fixture(scope="module")
def coder() -> CodingEngine:
    return load_coder(with_ranker=False, with_semantic=False)


def _codes(coder: CodingEngine, text: str, setting: str = "outpatient") -> set[str]:
    result = coder.code(text, setting=setting, options=RULES_ONLY)  # type: ignore[arg-type]
    return {s.code for s in result.suggestions if s.system == "ICD-10-CM"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "setting", "present", "absent"),
    [
        # "coronary artery disease" and "CAD" are mentions (vocabulary synonym of I25.1)
        (
            "Assessment: Coronary artery disease, stable on aspirin.",
            "outpatient",
            {"I25.10"},
            set(),
        ),
        ("Problem: CAD of native vessels.", "outpatient", {"I25.10"}, set()),
        # quitting dates smoking (history), it does not negate it
        ("Former smoker, quit 10 years ago.", "outpatient", {"Z87.891"}, {"F17.200"}),
        # social history states current habits; cigarettes name the product
        (
            "Social history: smokes 1 pack of cigarettes per day, nicotine dependence.",
            "inpatient",
            {"F17.210"},
            {"Z87.891"},
        ),
        # the Social History header alone does not make a habit history; "quit" does
        (
            "SOCIAL HISTORY:\nNicotine dependence, cigarettes. Alcohol abuse.",
            "outpatient",
            {"F17.210", "F10.10"},
            {"Z87.891"},
        ),
        ("SOCIAL HISTORY:\nFormer smoker, quit in 2015.", "outpatient", {"Z87.891"}, {"F17.200"}),
        # resolved with treatment during the stay: present (Section III)
        ("Final diagnosis: Dehydration, resolved with IV fluids.", "inpatient", {"E86.0"}, set()),
        # an unidentified organism does not negate the infection
        (
            "Principal diagnosis: urinary tract infection, organism not identified.",
            "inpatient",
            {"N39.0"},
            set(),
        ),
        # a lab word and a section header are no diagnoses
        ("Labs: Hemoglobin 12.1, platelets normal.", "outpatient", set(), {"D57.3"}),
        ("HISTORY OF PRESENT ILLNESS: cough for 2 days.", "outpatient", {"R05.9"}, {"R69"}),
        # fracture site from the clause, laterality and 7th character
        (
            "Assessment: Closed fracture of distal right radius, initial encounter.",
            "outpatient",
            {"S52.501A"},
            {"T14.8XXA"},
        ),
        # a deficit following a stroke is its sequela (I.C.9.d)
        (
            "Assessment: Hemiparesis following cerebral infarction affecting right dominant side.",
            "outpatient",
            {"I69.351"},
            {"G81.91", "I63.9", "Z86.73"},
        ),
        ("Assessment: Influenza A with cough and fever.", "outpatient", {"J10.1"}, {"J11.1"}),
    ],
)
def test_known_miss(
    coder: CodingEngine, text: str, setting: str, present: set[str], absent: set[str]
) -> None:
    codes = _codes(coder, text, setting)
    assert present <= codes
    assert not absent & codes
