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

Each process has its own pipe, and the request's thread sends the note and waits for the result
on it: no executor threads or queues in between. ``concurrent.futures.ProcessPoolExecutor``
(used before) added 2.1 ms of CPU per note in the HTTP process, measured with a coder that takes
no time (``benchmarks/http_load.py --replay-coder --coding-processes 2``, 8 clients).
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import queue
import threading
import time
from dataclasses import dataclass
from datetime import date
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from codesets.errors import CACError
from models.coder import Coder, TimedCoder
from models.schema import CodingResult, Setting
from models.worker import CoderLoader, default_loader, load_seconds, process_coder

log = logging.getLogger(__name__)

# a synthetic sentence: it runs every stage once so that lazily built parts are built at start
WARM_UP_NOTE = "Assessment: type 2 diabetes mellitus without complications. Denies chest pain."
START_TIMEOUT_S = 300.0
# how long ``close`` waits for a process to finish the note it holds before stopping it
CLOSE_TIMEOUT_S = 30.0
_PROTOCOL = pickle.HIGHEST_PROTOCOL

Coded = tuple[CodingResult, dict[str, float]]


class CoderPoolError(CACError):
    """The coding processes could not start, or one died while coding (the note is not coded)."""


@dataclass(frozen=True, slots=True)
class WorkerStart:
    """How one worker process started: its pid, its coder's load time and its warm-up note."""

    pid: int
    load_s: float
    first_note_ms: float


@dataclass(frozen=True, slots=True)
class _Worker:
    process: BaseProcess
    connection: Connection  # this process's end of the worker's pipe
    start: WorkerStart


def _coded_timed(coder: Coder, text: str, setting: Setting, date_of_service: date | None) -> Coded:
    if isinstance(coder, TimedCoder):
        return coder.code_timed(text, setting=setting, date_of_service=date_of_service)
    return coder.code(text, setting=setting, date_of_service=date_of_service), {}


def _exit_with_parent() -> None:
    # A parent killed with SIGKILL leaves no one to close the pipe if a grandchild inherited it:
    # watch the parent's sentinel and leave with it (no orphaned coders).
    parent = multiprocessing.parent_process()
    if parent is not None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)


def _serve(loader: CoderLoader, connection: Connection) -> None:
    """A worker process: load, report how that went, then code notes until the pipe closes."""
    threading.Thread(target=_exit_with_parent, name="exit-with-parent", daemon=True).start()
    try:
        coder = process_coder(loader)
        started = time.perf_counter()
        _coded_timed(coder, WARM_UP_NOTE, "outpatient", None)
        first_ms = 1000 * (time.perf_counter() - started)
    except BaseException as error:
        connection.send(f"{type(error).__name__}: {error}")
        return
    connection.send(WorkerStart(os.getpid(), load_seconds(loader) or 0.0, first_ms))
    while True:
        try:
            text, setting, date_of_service = pickle.loads(connection.recv_bytes())
        except EOFError:  # the service closed the pool
            return
        connection.send_bytes(_reply(coder, text, setting, date_of_service))


def _reply(coder: Coder, text: str, setting: Setting, date_of_service: date | None) -> bytes:
    """The pickled result, or the pickled error the coder raised (re-raised in the service)."""
    try:
        return pickle.dumps(_coded_timed(coder, text, setting, date_of_service), _PROTOCOL)
    except Exception as error:  # the caller gets the coder's own error, as in-process
        try:
            return pickle.dumps(error, _PROTOCOL)
        except Exception:  # an error that cannot be pickled is named instead
            named = CoderPoolError(f"the coder raised {type(error).__name__}")
            return pickle.dumps(named, _PROTOCOL)


class CoderPool:
    """A ``TimedCoder`` over ``processes`` worker processes; ``close`` stops them.

    The processes start loading at construction; ``started`` blocks until all have (so the
    caller can load other things meanwhile).

    A process that dies (killed, out of memory) fails only the note it held, with
    ``CoderPoolError``; one that died idle fails none (the note goes to another). Either way a
    fresh process starts in its place, found dead when a note is next handed to it, while the
    others keep coding.
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
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._closed = False
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._live: dict[int, _Worker] = {}  # by pid: every started process, idle or coding
        self._starting = 0  # processes starting in place of dead ones
        self._launched = [self._launch() for _ in range(processes)]

    @property
    def workers(self) -> list[WorkerStart]:
        """How each running process started."""
        with self._lock:
            return [worker.start for worker in self._live.values()]

    @property
    def running(self) -> bool:
        """True while a process is coding, idle or starting in place of a dead one."""
        with self._lock:
            if self._closed:
                return False
            alive = any(worker.process.is_alive() for worker in self._live.values())
            return alive or self._starting > 0

    def _launch(self) -> tuple[BaseProcess, Connection]:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_serve, args=(self._loader, theirs), name="cac-coder", daemon=True
        )
        process.start()
        theirs.close()  # the worker holds its end: its exit is then our end's EOF
        return process, ours

    def _handshake(self, process: BaseProcess, connection: Connection) -> _Worker:
        """The launched process once it has loaded, or ``CoderPoolError`` (and it is stopped)."""
        try:
            if not connection.poll(self._start_timeout_s):
                raise CoderPoolError(
                    f"a coding process did not start within {self._start_timeout_s:.0f} s"
                )
            try:
                report = connection.recv()
            except EOFError:
                raise CoderPoolError("a coding process exited while loading the coder") from None
            if isinstance(report, str):
                raise CoderPoolError(f"a coding process could not load the coder: {report}")
        except BaseException:
            _stop(process, connection, timeout_s=0)
            raise
        return _Worker(process, connection, report)

    def started(self) -> CoderPool:
        """This pool, once every process has loaded its coder and coded a warm-up note.

        Raises ``CoderPoolError`` (and stops the processes) when one could not load it.
        """
        launched, self._launched = self._launched, []
        workers: list[_Worker] = []
        try:
            for process, connection in launched:
                workers.append(self._handshake(process, connection))
        except BaseException:
            for process, connection in launched:
                _stop(process, connection, timeout_s=0)
            raise
        for worker in workers:
            self._add(worker)
        log.info(
            "coder pool started: %d processes, slowest load %.1f s",
            self.processes,
            max(w.load_s for w in self.workers),
        )
        return self

    def _add(self, worker: _Worker) -> None:
        with self._lock:
            self._live[worker.start.pid] = worker
        self._idle.put(worker)

    def code(
        self, text: str, *, setting: Setting = "outpatient", date_of_service: date | None = None
    ) -> CodingResult:
        """Code ``text`` in a free worker process."""
        return self.code_timed(text, setting=setting, date_of_service=date_of_service)[0]

    def code_timed(
        self, text: str, *, setting: Setting = "outpatient", date_of_service: date | None = None
    ) -> Coded:
        """``code``, with the milliseconds per stage the worker measured."""
        request = pickle.dumps((text, setting, date_of_service), _PROTOCOL)
        while True:
            worker = self._take()
            if not worker.process.is_alive():  # it died idle (one waitpid): another codes the note
                self._replace(worker)
                continue
            try:
                worker.connection.send_bytes(request)
            except OSError:  # it died just now, before reading the note
                self._replace(worker)
                continue
            try:
                reply = worker.connection.recv_bytes()
            except (EOFError, OSError):
                # it died with the note: the note may be what killed it, so it is not retried
                self._replace(worker)
                raise CoderPoolError(
                    "a coding process stopped while coding; retry the note"
                ) from None
            break
        self._idle.put(worker)
        outcome: Coded | Exception = pickle.loads(reply)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _take(self) -> _Worker:
        """A free process, waiting for one when all are coding or starting."""
        while True:
            with self._lock:
                if self._closed:
                    raise CoderPoolError("the coding processes were stopped")
                if not self._live and not self._starting:
                    raise CoderPoolError("no coding process is running; see the service log")
            try:
                return self._idle.get(timeout=1.0)
            except queue.Empty:  # all busy: look again whether the pool was closed meanwhile
                continue

    def _replace(self, dead: _Worker) -> None:
        """Stop ``dead`` and start a process in its place on another thread."""
        with self._lock:
            del self._live[dead.start.pid]
            replace = not self._closed
            if replace:
                self._starting += 1
        _stop(dead.process, dead.connection, timeout_s=0)
        if replace:
            log.error("coding process %d stopped; starting a new one", dead.start.pid)
            threading.Thread(target=self._start_one, name="cac-coder-restart", daemon=True).start()

    def _start_one(self) -> None:
        try:
            fresh = self._handshake(*self._launch())
        except Exception as error:  # logged; notes go to the processes left
            log.error("a new coding process could not start: %s", type(error).__name__)
            with self._lock:
                self._starting -= 1
            return
        with self._lock:
            self._starting -= 1
            if not self._closed:
                self._live[fresh.start.pid] = fresh
                self._idle.put(fresh)
                return
        _stop(fresh.process, fresh.connection, timeout_s=0)

    def close(self) -> None:
        """Stop the worker processes (notes being coded finish first, within 30 s)."""
        with self._lock:
            self._closed = True
            live = list(self._live.values())
            self._live.clear()
        deadline = time.monotonic() + CLOSE_TIMEOUT_S
        idle: set[int] = set()
        while len(idle) < len(live):
            try:
                idle.add(self._idle.get(timeout=max(0.0, deadline - time.monotonic())).start.pid)
            except queue.Empty:
                break
        for worker in live:
            _stop(
                worker.process, worker.connection, timeout_s=5.0 if worker.start.pid in idle else 0
            )


def _stop(process: BaseProcess, connection: Connection, *, timeout_s: float) -> None:
    """Close the pipe (an idle worker then exits), wait ``timeout_s``, then kill the process."""
    connection.close()
    process.join(timeout_s)
    if process.is_alive():
        process.kill()
        process.join()
