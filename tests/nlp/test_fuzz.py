"""Fuzzing the NLP pipeline: hostile text never crashes or hangs it, and every offset holds.

Whatever the text (arbitrary unicode, controls, NUL, CR/CRLF, combining marks, RTL, emoji,
zero-width characters, runs of one token, very long lines), ``process`` returns a document
whose mentions, cues, sentences, abbreviations and sections lie inside the text with
``text[start:end]`` equal to their words, or refuses the note with ``InvalidNoteText`` (not text,
or over ``MAX_NOTE_CHARS``). A hang shows as a hypothesis deadline error.

The normal suite tries a bounded number of examples; a longer run (the figure in the issue)::

    CAC_PIPELINE_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest tests/nlp/test_fuzz.py -q -s
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import fuzz_notes as fuzz
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.document import ClinicalDocument
from nlp.errors import InvalidNoteText
from nlp.pipeline import MAX_NOTE_CHARS, ClinicalPipeline

FUZZ = settings(
    max_examples=fuzz.examples(60),
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TRIED: dict[str, int] = {}


def check_offsets(document: ClinicalDocument, text: str) -> None:
    """Every offset of the document lies inside ``text`` and gives the recorded words."""
    assert document.text == text
    size = len(text)
    for mention in document.mentions:
        assert 0 <= mention.start < mention.end <= size
        assert text[mention.start : mention.end] == mention.text
        for cue in mention.assertion.cues:
            assert 0 <= cue.start <= cue.end <= size
            assert text[cue.start : cue.end] == cue.text
    previous = 0
    for start, end in document.sentences:
        assert previous <= start < end <= size
        previous = end
    for a in document.abbreviations:
        assert 0 <= a.start < a.end <= size
        assert text[a.start : a.end] == a.short
    for section in document.sections:
        assert 0 <= section.start <= section.header_start < section.header_end
        assert section.header_end <= section.end <= size


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    """Print how many notes each property processed (shown with ``-s``)."""
    yield
    print(f"\npipeline fuzz: {sum(TRIED.values())} notes processed {TRIED}")


def _count(name: str) -> None:
    TRIED[name] = TRIED.get(name, 0) + 1


@FUZZ
@given(text=fuzz.notes())
def test_any_note_keeps_every_offset(pipeline: ClinicalPipeline, text: str) -> None:
    _count("notes")
    check_offsets(pipeline.process(text), text)


@FUZZ
@given(text=fuzz.unicode_text(max_size=2_000))
def test_any_unicode_keeps_every_offset(pipeline: ClinicalPipeline, text: str) -> None:
    _count("unicode")
    check_offsets(pipeline.process(text), text)


@FUZZ
@given(
    phrase=st.sampled_from(fuzz.CLINICAL),
    noise=st.lists(st.sampled_from(fuzz.ODD), min_size=1, max_size=4).map("".join),
)
def test_a_phrase_is_found_through_odd_neighbours(
    pipeline: ClinicalPipeline, phrase: str, noise: str
) -> None:
    _count("phrase among noise")
    text = f"{noise} {phrase} {noise}\r\nAssessment: chest pain.{noise}"
    document = pipeline.process(text)
    check_offsets(document, text)
    assert "chest pain" in [m.text for m in document.mentions]


@pytest.mark.parametrize("name", sorted(fuzz.GIANTS))
def test_giant_notes_finish_quickly(pipeline: ClinicalPipeline, name: str) -> None:
    text = fuzz.GIANTS[name]
    started = time.perf_counter()
    document = pipeline.process(text)
    elapsed = time.perf_counter() - started
    check_offsets(document, text)
    assert elapsed < 20, f"{name}: {elapsed:.1f} s"


def test_a_note_over_the_limit_is_refused(pipeline: ClinicalPipeline) -> None:
    with pytest.raises(InvalidNoteText, match="limit"):
        pipeline.process("pain " * (MAX_NOTE_CHARS // 5 + 1))
