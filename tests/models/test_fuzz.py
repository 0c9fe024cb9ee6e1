"""Fuzzing the whole coder (``load_coder``): hostile notes never crash or hang it.

Whatever the note (see ``tests/support/fuzz_notes.py``), ``code`` returns a result in which
every suggestion's evidence, every documentation query's evidence, every mention and every cue
lies inside the note with ``note[start:end]`` equal to its text; or it refuses the note with
``InvalidNote`` (empty, blank or over ``MAX_NOTE_CHARS``). Any other exception fails, and so does
a hang (hypothesis' deadline, and the per-note time budget's ``NoteTimeBudgetExceeded``).

The normal suite tries a bounded number of examples; a longer run (the figure in the issue)::

    CAC_PIPELINE_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest tests/models/test_fuzz.py -q -s
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import fuzz_notes as fuzz
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.engine import MAX_NOTE_CHARS, CodingEngine, load_coder
from models.errors import InvalidNote
from models.schema import CodingResult, Evidence, Setting

FUZZ = settings(
    max_examples=fuzz.examples(40),
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SETTINGS = st.sampled_from(["outpatient", "inpatient"])
TRIED: dict[str, int] = {}


@pytest.fixture(scope="module")
def coder() -> CodingEngine:
    """The product's coder, as the service loads it."""
    return load_coder()


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    """Print how many notes each property coded (shown with ``-s``)."""
    yield
    print(f"\ncoder fuzz: {sum(TRIED.values())} notes coded {TRIED}")


def _check_span(note: str, start: int, end: int, text: str) -> None:
    assert 0 <= start < end <= len(note), (start, end, len(note))
    assert note[start:end] == text


def _check_evidence(note: str, evidence: list[Evidence]) -> None:
    for item in evidence:
        _check_span(note, item.start, item.end, item.text)


def check_result(note: str, result: CodingResult) -> None:
    """Every offset of the result lies inside ``note`` and gives the recorded words."""
    for suggestion in result.suggestions:
        assert suggestion.evidence
        _check_evidence(note, suggestion.evidence)
    for query in result.documentation_queries:
        _check_evidence(note, query.evidence)
    for mention in result.mentions:
        _check_span(note, mention.start, mention.end, mention.text)
        for cue in mention.cues:
            assert isinstance(cue["start"], int) and isinstance(cue["end"], int)
            assert isinstance(cue["text"], str)
            assert 0 <= cue["start"] <= cue["end"] <= len(note)
            assert note[cue["start"] : cue["end"]] == cue["text"]


def code_or_refuse(coder: CodingEngine, note: str, setting: Setting, name: str) -> None:
    """Code ``note``: a refusal is allowed only for an empty, blank or oversized note."""
    TRIED[name] = TRIED.get(name, 0) + 1
    try:
        result = coder.code(note, setting=setting)
    except InvalidNote:
        assert not note.strip() or len(note) > MAX_NOTE_CHARS
        return
    check_result(note, result)


@FUZZ
@given(note=fuzz.notes(max_pieces=20, max_times=1_500), setting=SETTINGS)
def test_any_note_codes_with_exact_evidence(
    coder: CodingEngine, note: str, setting: Setting
) -> None:
    code_or_refuse(coder, note, setting, "notes")


@FUZZ
@given(note=fuzz.unicode_text(max_size=2_000), setting=SETTINGS)
def test_any_unicode_codes_with_exact_evidence(
    coder: CodingEngine, note: str, setting: Setting
) -> None:
    code_or_refuse(coder, note, setting, "unicode")


@FUZZ
@given(
    phrases=st.lists(st.sampled_from(fuzz.CLINICAL + fuzz.HEADERS), min_size=1, max_size=12),
    noise=st.lists(st.sampled_from(fuzz.ODD), max_size=12),
    separators=st.lists(st.sampled_from(fuzz.SEPARATORS), min_size=1, max_size=4),
    setting=SETTINGS,
)
def test_clinical_phrases_among_noise_code_with_exact_evidence(
    coder: CodingEngine,
    phrases: list[str],
    noise: list[str],
    separators: list[str],
    setting: Setting,
) -> None:
    parts = [*phrases, *noise]
    note = "".join(p + separators[i % len(separators)] for i, p in enumerate(parts))
    code_or_refuse(coder, note, setting, "clinical among noise")


@pytest.mark.parametrize("name", sorted(fuzz.GIANTS))
def test_giant_notes_code_in_time(coder: CodingEngine, name: str) -> None:
    note = fuzz.GIANTS[name]
    started = time.perf_counter()
    code_or_refuse(coder, note, "inpatient", "giants")
    elapsed = time.perf_counter() - started
    assert elapsed < coder.time_budget_s, f"{name}: {elapsed:.1f} s"


def test_an_oversized_note_is_refused(coder: CodingEngine) -> None:
    with pytest.raises(InvalidNote, match="longer than"):
        coder.code("chest pain " * (MAX_NOTE_CHARS // 11 + 1))
