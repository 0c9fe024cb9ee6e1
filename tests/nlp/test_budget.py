"""The per-note time budget: a cooperative deadline that works in any thread."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from nlp.budget import check, time_budget
from nlp.errors import NoteTimeBudgetExceeded
from nlp.pipeline import ClinicalPipeline

NOTE = "HPI: denies chest pain. Secret-Patient-Name has a cough.\n" * 20


def test_check_does_nothing_outside_a_budget() -> None:
    check("anything")


def test_check_raises_once_the_budget_is_spent() -> None:
    with time_budget(1e-9), pytest.raises(NoteTimeBudgetExceeded, match="at mentions"):
        check("mentions")
    check("after")  # the budget ends with its block


def test_a_budget_is_left_alone_while_time_remains() -> None:
    with time_budget(60):
        check("sections")


def test_the_pipeline_stops_when_its_budget_is_spent(pipeline: ClinicalPipeline) -> None:
    with time_budget(1e-9), pytest.raises(NoteTimeBudgetExceeded) as raised:
        pipeline.process(NOTE)
    assert "Secret-Patient-Name" not in raised.value.message
    assert "cough" not in raised.value.message


def test_a_budget_works_in_a_worker_thread_and_stays_there(pipeline: ClinicalPipeline) -> None:
    def spent() -> str:
        with time_budget(1e-9):
            try:
                pipeline.process(NOTE)
            except NoteTimeBudgetExceeded as error:
                return error.message
        return "finished"

    with ThreadPoolExecutor(max_workers=1) as pool, time_budget(60):
        assert "time budget" in pool.submit(spent).result()
        assert pipeline.process(NOTE).mentions  # this thread's own budget is not spent
