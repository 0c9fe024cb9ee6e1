"""A coder spread over worker processes: each holds its own coder, any free one takes a note.

Coding is CPU-bound Python, so the threads of one process code one note at a time (the GIL). The
service's HTTP workers also keep their connections: with ``uvicorn --workers 2`` and 8 keep-alive
clients, one worker accepted all 8 connections and coded on one core while the other idled
(measured, 2 cores: 46 requests/s, one worker at 100% CPU, the other at 0%). A ``CoderPool``
hands each note to whichever process is free, whatever connection it came in on.

Workers are spawned, not forked (a fork copies the parent's locks and threads mid-state); each
loads its coder with ``models.worker.process_coder`` (the loading ``cac eval --workers``, ``cac
bench --workers`` and the batch job share), codes a warm-up note, and reports in before the pool
counts as started, so the first real note never pays for a load.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from multiprocessing.queues import Queue

from codesets.errors import CACError
from models.coder import Coder, TimedCoder
from models.schema import CodingResult, Setting
from models.worker import CoderLoader, default_loader, load_seconds, process_coder

log = logging.getLogger(__name__)

# a synthetic sentence: it runs every stage once so that lazily built parts are built at start
WARM_UP_NOTE = "Assessment: type 2 diabetes mellitus without complications. Denies chest pain."
START_TIMEOUT_S = 300.0


class CoderPoolError(CACError):
    """The coding processes could not start, or one died while coding (the note is not coded)."""


@dataclass(frozen=True, slots=True)
class WorkerStart:
    """How one worker process started: its pid, its coder's load time and its warm-up note."""

    pid: int
    load_s: float
    first_note_ms: float


def _coded_timed(
    coder: Coder, text: str, setting: Setting, date_of_service: date | None
) -> tuple[CodingResult, dict[str, float]]:
    if isinstance(coder, TimedCoder):
        return coder.code_timed(text, setting=setting, date_of_service=date_of_service)
    return coder.code(text, setting=setting, date_of_service=date_of_service), {}


def _exit_with_parent() -> None:
    # The worker's queues hold both ends of their pipes, so a parent killed with SIGKILL would
    # never wake it: watch the parent's sentinel and leave with it (no orphaned coders).
    parent = multiprocessing.parent_process()
    if parent is not None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)


def _start_worker(loader: CoderLoader, reports: Queue[WorkerStart | str]) -> None:
    threading.Thread(target=_exit_with_parent, name="exit-with-parent", daemon=True).start()
    # An exception in an initializer only says "broken pool" to the parent: report it first.
    try:
        coder = process_coder(loader)
        started = time.perf_counter()
        _coded_timed(coder, WARM_UP_NOTE, "outpatient", None)
        first_ms = 1000 * (time.perf_counter() - started)
        reports.put(WorkerStart(os.getpid(), load_seconds(loader) or 0.0, first_ms))
    except BaseException as error:
        reports.put(f"{type(error).__name__}: {error}")
        raise


def _code_in_worker(
    loader: CoderLoader, text: str, setting: Setting, date_of_service: date | None
) -> tuple[CodingResult, dict[str, float]]:
    return _coded_timed(process_coder(loader), text, setting, date_of_service)


class CoderPool:
    """A ``TimedCoder`` over ``processes`` worker processes; ``close`` stops them.

    The processes start loading at construction; ``started`` blocks until all have (so the
    caller can load other things meanwhile).

    A worker that dies (killed, out of memory) breaks the executor: the note it held and those
    waiting fail with ``CoderPoolError``, and the next note starts a fresh set of workers.
    """

    def __init__(
        self,
        processes: int,
        loader: CoderLoader = default_loader,
        *,
        start_timeout_s: float = START_TIMEOUT_S,
    ) -> None:
        if processes < 1:
            raise ValueError("a coder pool needs at least one process")
        self.processes = processes
        self._loader = loader
        self._start_timeout_s = start_timeout_s
        self._lock = threading.Lock()
        self._closed = False
        self._executor, self._reports = self._spawn()
        self.workers: list[WorkerStart] = []

    def _spawn(self) -> tuple[ProcessPoolExecutor, Queue[WorkerStart | str]]:
        context = multiprocessing.get_context("spawn")
        reports: Queue[WorkerStart | str] = context.Queue()
        executor = ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=context,
            initializer=_start_worker,
            initargs=(self._loader, reports),
        )
        # the executor spawns a process per task while none is idle: one no-op each
        for _ in range(self.processes):
            executor.submit(os.getpid)
        return executor, reports

    def started(self) -> CoderPool:
        """This pool, once every process has loaded its coder and coded a warm-up note.

        Raises ``CoderPoolError`` (and stops the processes) when one could not load it.
        """
        try:
            self.workers = [self._report() for _ in range(self.processes)]
        except BaseException:
            self._executor.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            self._reports.close()
            self._reports.join_thread()
        log.info(
            "coder pool started: %d processes, slowest load %.1f s",
            len(self.workers),
            max(w.load_s for w in self.workers),
        )
        return self

    def _report(self) -> WorkerStart:
        try:
            report = self._reports.get(timeout=self._start_timeout_s)
        except queue.Empty:
            raise CoderPoolError(
                f"a coding process did not start within {self._start_timeout_s:.0f} s"
            ) from None
        if isinstance(report, str):
            raise CoderPoolError(f"a coding process could not load the coder: {report}")
        return report

    def code(
        self, text: str, *, setting: Setting = "outpatient", date_of_service: date | None = None
    ) -> CodingResult:
        """Code ``text`` in a free worker process."""
        return self.code_timed(text, setting=setting, date_of_service=date_of_service)[0]

    def code_timed(
        self, text: str, *, setting: Setting = "outpatient", date_of_service: date | None = None
    ) -> tuple[CodingResult, dict[str, float]]:
        """``code``, with the milliseconds per stage the worker measured."""
        executor = self._executor
        try:
            future = executor.submit(_code_in_worker, self._loader, text, setting, date_of_service)
        except RuntimeError:  # broken earlier, or a restart failed: start afresh first
            executor = self._restart(executor)
            future = executor.submit(_code_in_worker, self._loader, text, setting, date_of_service)
        try:
            return future.result()
        except BrokenProcessPool:
            self._restart(executor)
            raise CoderPoolError("a coding process stopped while coding; retry the note") from None

    def _restart(self, broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise CoderPoolError("the coding processes were stopped")
            if self._executor is broken:  # else another thread already restarted it
                log.error("the coding processes stopped; starting %d new ones", self.processes)
                broken.shutdown(wait=False, cancel_futures=True)
                self._executor, self._reports = self._spawn()
                self.started()
            return self._executor

    def close(self) -> None:
        """Stop the worker processes (notes being coded finish first)."""
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)
