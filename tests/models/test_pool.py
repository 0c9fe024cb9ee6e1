"""``models.pool.CoderPool``: notes coded in worker processes, exactly as in this process."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pool_coders
import pytest

from codesets.errors import CACError
from models.engine import CodingEngine
from models.pool import CoderPool, CoderPoolError
from models.worker import default_loader, process_coder

NOTES = [
    "Hypertension, well controlled on lisinopril.",
    "Patient denies chest pain. History of asthma.",
    "Type 2 diabetes mellitus with diabetic chronic kidney disease, stage 3.",
    "Follow-up visit.",
]


@pytest.fixture(scope="module")
def pool() -> Iterator[CoderPool]:
    """Two processes with ``WordCoder``."""
    started = CoderPool(2, pool_coders.load_word_coder).started()
    yield started
    started.close()


def test_every_process_loads_and_warms_up_before_the_pool_counts_as_started(
    pool: CoderPool,
) -> None:
    assert len({worker.pid for worker in pool.workers}) == 2
    assert all(w.load_s >= 0 and w.first_note_ms > 0 for w in pool.workers)


def test_results_equal_those_of_the_same_coder_in_this_process(pool: CoderPool) -> None:
    here = pool_coders.WordCoder()
    for text in NOTES:
        for setting in ("outpatient", "inpatient"):
            dated = date(2026, 3, 1)
            expected = here.code(text, setting=setting, date_of_service=dated)
            assert pool.code(text, setting=setting, date_of_service=dated) == expected


def test_notes_from_many_threads_spread_over_the_processes(pool: CoderPool) -> None:
    # 20 ms each: one process alone would need 800 ms, so the idle one takes its share
    texts = [f"{pool_coders.PAUSE} {NOTES[i % len(NOTES)]} Visit {i}." for i in range(40)]
    with ThreadPoolExecutor(max_workers=8) as threads:
        coded = list(threads.map(pool.code_timed, texts))
    here = pool_coders.WordCoder()
    assert [result for result, _ in coded] == [here.code(text) for text in texts]
    assert {int(stages["pid"]) for _, stages in coded} == {w.pid for w in pool.workers}


def test_a_process_that_dies_fails_its_note_and_a_fresh_process_codes_the_next() -> None:
    pool = CoderPool(1, pool_coders.load_word_coder).started()
    try:
        before = {w.pid for w in pool.workers}
        with pytest.raises(CoderPoolError, match="stopped while coding"):
            pool.code(pool_coders.DIE)
        assert pool.code(NOTES[0]) == pool_coders.WordCoder().code(NOTES[0])
        assert {w.pid for w in pool.workers}.isdisjoint(before)
    finally:
        pool.close()


def test_a_process_killed_while_idle_fails_no_note_and_is_replaced() -> None:
    pool = CoderPool(2, pool_coders.load_word_coder).started()
    try:
        killed, survivor = sorted(w.pid for w in pool.workers)
        os.kill(killed, signal.SIGKILL)
        pool_coders.wait_until_dead(killed)
        here = pool_coders.WordCoder()
        assert [pool.code(text) for text in NOTES] == [here.code(text) for text in NOTES]
        deadline = time.monotonic() + 60
        while len(pool.workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = {w.pid for w in pool.workers}
        assert len(pids) == 2 and survivor in pids and killed not in pids
    finally:
        pool.close()


def test_when_no_process_can_be_started_the_pool_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken"
    monkeypatch.setenv(pool_coders.BROKEN_FILE_ENV, str(broken))
    pool = CoderPool(1, pool_coders.load_until_broken).started()
    try:
        assert pool.running
        broken.touch()
        (pid,) = (w.pid for w in pool.workers)
        os.kill(pid, signal.SIGKILL)
        pool_coders.wait_until_dead(pid)
        with pytest.raises(CoderPoolError, match="no coding process is running"):
            pool.code(NOTES[0])
        assert not pool.running
    finally:
        pool.close()


def test_close_stops_every_process() -> None:
    pool = CoderPool(2, pool_coders.load_word_coder).started()
    pids = [w.pid for w in pool.workers]
    pool.close()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_coder_that_cannot_load_is_a_clear_error() -> None:
    with pytest.raises(CoderPoolError, match="could not load the coder: CACError: code-set file"):
        CoderPool(2, pool_coders.load_nothing).started()


def test_a_closed_pool_codes_nothing() -> None:
    pool = CoderPool(1, pool_coders.load_word_coder).started()
    pool.close()
    with pytest.raises(CoderPoolError, match="stopped"):
        pool.code(NOTES[0])


def test_a_pool_needs_a_process() -> None:
    with pytest.raises(ValueError, match="at least one process"):
        CoderPool(0, pool_coders.load_word_coder)


@pytest.mark.slow
def test_the_real_coder_in_processes_equals_the_real_coder_here() -> None:
    try:
        here = process_coder(default_loader)
    except (ImportError, CACError) as error:
        pytest.skip(f"the real coder does not load ({error})")
    assert isinstance(here, CodingEngine)
    notes = [
        *NOTES,
        "Assessment: community-acquired pneumonia, possible sepsis. Plan: ceftriaxone.",
        "Mother had breast cancer. No history of malignancy. Smoker, 20 pack-years.",
    ]
    pool = CoderPool(2, default_loader).started()
    try:
        for text in notes:
            for setting in ("outpatient", "inpatient"):
                assert pool.code(text, setting=setting) == here.code(text, setting=setting)
    finally:
        pool.close()
