"""Abbreviations defined in the text (scispaCy's detector), read by several threads at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from nlp.components import TextAbbreviations, text_abbreviations
from nlp.pipeline import ClinicalPipeline

# each note defines its own short forms and uses them again later
_NOTES = [
    "Chronic kidney disease (CKD) stage 3. CKD is stable. Atrial fibrillation (AF) noted; AF rate.",
    "Congestive heart failure (CHF) with reduced EF. CHF worse. Urinary tract infection (UTI).",
    "Type 2 diabetes mellitus (T2DM) on metformin; T2DM well controlled. Blood pressure (BP) ok.",
    "Chronic obstructive pulmonary disease (COPD) exacerbation; COPD inhaler. (CKD) unrelated.",
]


def _read(pipeline: ClinicalPipeline, text: str) -> list[tuple[str, str, int]]:
    detector = pipeline.nlp.get_pipe("cac_text_abbreviations")
    assert isinstance(detector, TextAbbreviations)
    doc = detector(pipeline.nlp.make_doc(text))
    return [(a.short, a.long, a.start) for a in text_abbreviations(doc)]


def test_every_later_use_of_a_defined_short_form_is_found(pipeline: ClinicalPipeline) -> None:
    found = _read(pipeline, _NOTES[0])
    assert [(text, long) for text, long, _start in found] == [
        ("CKD", "Chronic kidney disease"),
        ("CKD", "Chronic kidney disease"),
        ("AF", "Atrial fibrillation"),
        ("AF", "Atrial fibrillation"),
    ]


def test_threads_reading_at_once_find_what_one_thread_finds(pipeline: ClinicalPipeline) -> None:
    # the detector keeps each doc's short forms in one shared matcher while it reads the doc
    expected = {text: _read(pipeline, text) for text in _NOTES}
    assert all(expected.values())
    texts = _NOTES * 50
    with ThreadPoolExecutor(max_workers=4) as pool:
        for text, found in zip(texts, pool.map(lambda t: _read(pipeline, t), texts), strict=True):
            assert found == expected[text]
