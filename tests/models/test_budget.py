"""The coder's per-note time budget: a slow note is a clear error, never a hang."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import pytest

from app.errors import status_for
from codesets.errors import CACError
from models.candidates import SEMANTIC_SLICE
from models.engine import DEFAULT_TIME_BUDGET_S, TIME_BUDGET_ENV, CodingEngine, note_time_budget
from models.matching import Match
from nlp.errors import NoteTimeBudgetExceeded
from nlp.mention import Mention

NOTE = "Assessment: Secret-Patient-Name has hypertension and chest pain.\n"


@pytest.fixture
def engine(engine_for: Any, spec: Any) -> CodingEngine:
    """A new engine over hand-built mentions (each test sets its budget)."""
    made: CodingEngine = engine_for([spec("hypertension"), spec("chest pain", "symptom")])
    return made


def test_a_spent_budget_is_a_clear_error(engine: CodingEngine) -> None:
    engine.time_budget_s = 1e-9
    with pytest.raises(NoteTimeBudgetExceeded, match="time budget") as raised:
        engine.code(NOTE)
    message = raised.value.message
    assert "stopped at candidates" in message
    assert "Secret-Patient-Name" not in message and "hypertension" not in message


def test_a_note_within_its_budget_is_coded(engine: CodingEngine) -> None:
    engine.time_budget_s = 60
    codes = [s.code for s in engine.code(NOTE).suggestions]
    assert "I10" in codes


def test_the_budget_holds_in_the_service_thread_pool(engine: CodingEngine) -> None:
    engine.time_budget_s = 1e-9
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(engine.code, NOTE) for _ in range(4)]
        for future in futures:
            with pytest.raises(NoteTimeBudgetExceeded):
                future.result()


def test_the_service_answers_503() -> None:
    assert status_for(NoteTimeBudgetExceeded("coding the note took longer ...")) == 503


@pytest.mark.parametrize(("value", "seconds"), [(None, DEFAULT_TIME_BUDGET_S), ("2.5", 2.5)])
def test_the_budget_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str | None, seconds: float
) -> None:
    if value is None:
        monkeypatch.delenv(TIME_BUDGET_ENV, raising=False)
    else:
        monkeypatch.setenv(TIME_BUDGET_ENV, value)
    assert note_time_budget() == seconds


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "inf"])
def test_a_bad_budget_setting_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(TIME_BUDGET_ENV, value)
    with pytest.raises(CACError, match=TIME_BUDGET_ENV):
        note_time_budget()


class SlowSemantic:
    """A semantic matcher that takes ``delay`` seconds per call and matches nothing."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls: list[int] = []

    def match(self, phrases: Sequence[str]) -> list[Match | None]:
        """``None`` for each phrase, after the delay."""
        self.calls.append(len(phrases))
        time.sleep(self.delay)
        return [None] * len(phrases)


@dataclass
class Prebuilt:
    """A pipeline stand-in that returns mentions built before the clock starts."""

    mentions: list[Mention]

    def process(self, text: str) -> Prebuilt:
        """This document, whatever the text."""
        return self


def test_semantic_matching_stops_between_slices(
    engine_for: Any, spec: Any, mentions_of: Any
) -> None:
    line = "Assessment: zzqx blorp. "
    note = line * 1_000
    [first] = mentions_of(note, [spec("zzqx blorp")])
    mentions = [
        replace(first, start=first.start + k * len(line), end=first.end + k * len(line))
        for k in range(1_000)
    ]
    engine: CodingEngine = engine_for([])
    engine.pipeline = Prebuilt(mentions)
    slow = SlowSemantic(0.2)
    engine.semantic = slow
    engine.time_budget_s = 0.5
    started = time.perf_counter()
    with pytest.raises(NoteTimeBudgetExceeded, match="semantic matching"):
        engine.code(note)
    assert time.perf_counter() - started < 3.0
    # stopped after a few slices, not after one call with all 1,000 phrases (or all 8 slices)
    assert slow.calls and all(n <= SEMANTIC_SLICE for n in slow.calls)
    assert len(slow.calls) < 1_000 // SEMANTIC_SLICE
