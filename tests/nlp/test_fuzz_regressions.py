"""Regressions for what fuzzing the pipeline found: quadratic (or worse) stages on long runs.

Each case took from seconds to minutes before its fix and takes milliseconds after it; the
bound is loose enough for a slow shared machine and far below the old time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from nlp.components import TextAbbreviations
from nlp.pipeline import ClinicalPipeline
from nlp.sentences import sentence_starts

T = TypeVar("T")
BOUND_S = 3.0


def timed(call: Callable[[], T]) -> T:
    """``call()``, failing if it takes longer than ``BOUND_S``."""
    started = time.perf_counter()
    result = call()
    elapsed = time.perf_counter() - started
    assert elapsed < BOUND_S, f"{elapsed:.1f} s"
    return result


def test_a_long_run_of_blanks_before_a_header(pipeline: ClinicalPipeline) -> None:
    # the header pattern tried every blank of the run (50,000 spaces never finished)
    text = " " * 50_000 + "HPI: cough"
    sections = timed(lambda: pipeline.sections.find(text))
    assert [s.name for s in sections] == ["history_of_present_illness"]
    assert text[sections[0].header_start : sections[0].header_end].startswith("HPI")


def test_a_long_run_of_periods() -> None:
    # the sentence-end pattern tried every period of the run
    text = "." * 50_000 + " Fever today."
    starts = timed(lambda: sentence_starts(text, []))
    assert starts == [0, 50_001]


def test_many_sentence_ends_read_only_the_word_before() -> None:
    # the word before each period was searched for from the note's start
    text = "Fever. " * 20_000 + "Dr. Smith saw her. Cough."
    starts = timed(lambda: sentence_starts(text, []))
    assert len(starts) == 20_000 + 2  # "Dr." does not end a sentence
    assert text[starts[-1] :] == "Cough."


def test_a_long_token_of_suffix_characters(pipeline: ClinicalPipeline) -> None:
    # the tokenizer searched its suffix pattern over the whole token once per suffix (18 s for
    # 8,000 emoji; spaCy still copies the token once per suffix, which chunks keep small)
    text = "fever" + "😀" * 8_000
    doc = timed(lambda: pipeline.nlp.make_doc(text))
    assert doc[0].text == "fever"
    assert len(doc) == 8_001


def test_thousands_of_nested_parentheses(pipeline: ClinicalPipeline) -> None:
    # scispaCy's matcher paired every "(" with every later ")" before keeping short pairs
    detector = pipeline.nlp.get_pipe("cac_text_abbreviations")
    assert isinstance(detector, TextAbbreviations)
    text = "(" * 5_000 + "chronic kidney disease (CKD)" + ")" * 5_000
    doc = timed(lambda: detector(pipeline.nlp.make_doc(text)))
    assert [(a.text, str(a._.long_form)) for a in doc._.abbreviations] == [
        ("CKD", "chronic kidney disease")
    ]
