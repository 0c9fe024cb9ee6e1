"""Site-aware neoplasm codes from the Table of Neoplasms (Guidelines I.C.2), synthetic notes.

Mentions are built by hand so the rules are tested apart from the NLP pipeline; the Table of
Neoplasms is the packaged, converted one (``codesets/data/icd10cm-index``).
"""

from __future__ import annotations

from typing import Any

import pytest

from models.engine import CodingOptions
from models.neoplasm import behaviour, read_site

P = "problem"
RULES_ONLY = CodingOptions(use_ranker=False)

# (name, note, mentions as (phrase, attributes), expected ICD-10-CM codes exactly)
CASES = [
    (
        "primary site after 'of', side before the site",
        "Assessment: squamous cell carcinoma of the right lung.",
        [("carcinoma", {})],
        {"C34.91"},
    ),
    (
        "primary site as an adjective before the histology word",
        "Biopsy: renal carcinoma.",
        [("carcinoma", {})],
        {"C64.9"},
    ),
    (
        "a note spelling of a Table site (testicle)",
        "Embryonal carcinoma of the left testicle.",
        [("carcinoma", {})],
        {"C62.92"},
    ),
    (
        "secondary site before 'metastases'",
        "CT showed liver metastases.",
        [("metastases", {})],
        {"C78.7"},
    ),
    (
        "secondary site after 'metastasis to'",
        "There is a metastasis to bone.",
        [("metastasis", {})],
        {"C79.51"},
    ),
    (
        "'metastasis of <site> carcinoma' names the primary, not the metastasis site",
        "Left renal metastasis of pulmonary carcinoma.",
        [("metastasis", {"laterality": "left"}), ("carcinoma", {"laterality": "left"})],
        {"C79.02", "C34.90"},
    ),
    (
        "a qualifier before a site is the Table's subterm (lymph gland, mediastinal)",
        "Metastases to the mediastinal lymph nodes.",
        [("Metastases", {})],
        {"C77.1"},
    ),
    ("in situ column", "Carcinoma in situ of the bladder.", [("Carcinoma", {})], {"D09.0"}),
    (
        "C80.1 gives way to the named primary site in the same note (I.C.2.k)",
        "Malignant neoplasm of the prostate. Malignant neoplasm, primary site unknown.",
        [("Malignant neoplasm", {}), ("Malignant neoplasm", {}, 1)],
        {"C61"},
    ),
    (
        "no site named: the site-unspecified line stays",
        "Malignant neoplasm.",
        [("Malignant neoplasm", {})],
        {"C80.1"},
    ),
    (
        "a tumour marker is a laboratory test, not cancer",
        "CA 125 was 136 IU/ml.",
        [("CA", {})],
        set(),
    ),
    (
        "'malignant' before a non-neoplasm word is not a site (the Table row "
        "'Meckel diverticulum, malignant')",
        "No malignant cells were found.",
        [("cells", {})],
        set(),
    ),
]


@pytest.mark.parametrize(("name", "text", "specs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_neoplasm_codes(
    engine_for: Any, spec: Any, name: str, text: str, specs: list[Any], expected: set[str]
) -> None:
    built = [spec(s[0], P, s[1], (), *s[2:]) for s in specs]
    result = engine_for(built).code(text, setting="inpatient", options=RULES_ONLY)
    assert {s.code for s in result.suggestions if s.system == "ICD-10-CM"} == expected, name
    for suggestion in result.suggestions:
        for evidence in suggestion.evidence:
            assert text[evidence.start : evidence.end] == evidence.text


def test_evidence_covers_the_site_words(engine_for: Any, spec: Any) -> None:
    text = "Assessment: squamous cell carcinoma of the right lung."
    result = engine_for([spec("carcinoma", P)]).code(text, options=RULES_ONLY)
    assert [e.text for e in result.suggestions[0].evidence] == ["carcinoma of the right lung"]


@pytest.mark.parametrize(
    ("words", "column"),
    [
        ("carcinoma", "malignant_primary"),
        ("metastatic disease", "malignant_secondary"),
        ("metastatic renal cell carcinoma", "malignant_primary"),
        ("carcinoma in situ", "ca_in_situ"),
        ("benign tumor", "benign"),
        ("tumor", "unspecified_behavior"),
        ("cyst", None),
    ],
)
def test_behaviour_column(words: str, column: str | None) -> None:
    assert behaviour(words) == column


def test_no_site_word_no_reading() -> None:
    text = "Histology: poorly differentiated carcinoma."
    start = text.index("carcinoma")
    assert read_site(text, start, start + len("carcinoma"), "malignant_primary") is None
