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
        # a side word inside the term does not break it; the side picks the leaf
        ("Assessment: Sprain of left ankle.", "outpatient", {"S93.402A"}, set()),
        # "smokes" names current use; cigarettes on the line name the product
        ("Smokes 1 pack of cigarettes per day.", "outpatient", {"F17.210"}, {"Z87.891"}),
        # an inline family history ends with its line: the next sentence is the patient's
        (
            "Family history: mother with breast cancer.\nHe presents with chest pain.",
            "outpatient",
            {"Z80.3", "R07.9"},
            {"Z84.89", "C50.919"},
        ),
        # a duration before "history of" dates a current illness
        ("He had a 2-month history of fever.", "inpatient", {"R50.9"}, set()),
        # the Table of Neoplasms by site (I.C.2), not the site-unspecified line
        (
            "Assessment: squamous cell carcinoma of the right lung. CT showed liver metastases.",
            "inpatient",
            {"C34.91", "C78.7"},
            {"C80.1", "C79.9"},
        ),
        ("Biopsy showed renal carcinoma.", "inpatient", {"C64.9"}, {"C80.1"}),
        ("There is a metastasis to bone.", "inpatient", {"C79.51"}, {"C79.9"}),
        ("CA 125 was 136 IU/ml.", "inpatient", set(), {"C80.1"}),
        # Index main terms a note says in other words: "renal" for "kidney", "trauma" for
        # "injury", bare "infection" (Infection, infected, infective B99.9), "febrile"
        ("Acute renal failure.", "inpatient", {"N17.9"}, set()),
        ("Renal failure.", "inpatient", {"N19"}, set()),
        ("A renal mass was found.", "inpatient", {"N28.89"}, set()),
        ("Admitted after a trauma.", "inpatient", {"T14.90XA"}, set()),
        ("He had an infection.", "inpatient", {"B99.9"}, {"B99.8"}),
        ("Febrile syndrome.", "inpatient", {"R50.9"}, {"R50.81"}),
        # main terms spelled with adjectives ("Tuberculosis, tubercular, tuberculous")
        ("Tuberculosis.", "inpatient", {"A15.9"}, set()),
        ("Tuberculous meningitis.", "inpatient", {"A17.0"}, set()),
        # "bleeding" is hemorrhage; the nearest word alone is also read ("lumbar pain")
        ("Rectal bleeding.", "inpatient", {"K62.5"}, {"R58"}),
        ("He reported bleeding.", "inpatient", {"R58"}, set()),
        ("Right lumbar pain.", "inpatient", {"M54.50"}, {"R52"}),
        # ... but a filler word before the mention is no reading of its own
        ("Rapid test positive for influenza A.", "outpatient", {"J10.1"}, {"J11.1"}),
        ("Abdominal distention.", "inpatient", {"R14.0"}, set()),
        # a coronary stent from past treatment is a status code (I.C.21.c.3)
        ("Coronary artery disease treated with a stent.", "outpatient", {"I25.10", "Z95.5"}, set()),
    ],
)
def test_known_miss(
    coder: CodingEngine, text: str, setting: str, present: set[str], absent: set[str]
) -> None:
    codes = _codes(coder, text, setting)
    assert present <= codes
    assert not absent & codes
