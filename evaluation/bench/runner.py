"""The benchmark itself: load the coder once, code every note, time each one, add the anchors.

Per-note times are service times (the ``code`` call alone), measured where the note is coded;
throughput is notes over the wall-clock time of the coding phase, after every process has
loaded. With ``workers`` > 1 each worker process loads the coder through ``models.worker``, the
same path as ``cac eval run --workers`` and the batch job.
"""

from __future__ import annotations

import cProfile
import multiprocessing
import os
import platform
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codesets.errors import CACError
from evaluation.bench.anchors import medspacy_ms_per_note, tokenizer_ms_per_note
from evaluation.bench.probe import STAGES, code_with_stages
from evaluation.bench.stats import mean, peak_rss_mb, percentile, rounded
from models.coder import Coder
from models.worker import CoderLoader, default_loader, process_coder

# The speed goals of the README's Performance section.
MAX_RATIO_TO_TOKENIZER = 4.0
MIN_SPEEDUP_VS_MEDSPACY = 5.0
MAX_LOAD_S = 5.0
MAX_RSS_MB = 1536.0
_BARRIER_TIMEOUT_S = 600.0


class BenchError(CACError):
    """The benchmark cannot run: no notes, or a worker could not load the coder."""


@dataclass(frozen=True, slots=True)
class Timed:
    """One coded note: service time, time per stage, and the error type if it failed."""

    ms: float
    stages: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    pid: int = 0
    rss_mb: float = 0.0


def read_notes(directory: Path, limit: int | None = None) -> list[str]:
    """The texts of ``directory``'s ``*.txt`` files in name order (at most ``limit``)."""
    if not directory.is_dir():
        raise BenchError(f"not a directory: {directory}")
    files = sorted(directory.glob("*.txt"))[:limit]
    texts = [f.read_text(encoding="utf-8", errors="replace") for f in files]
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise BenchError(f"no non-empty *.txt notes in {directory}")
    return texts


def _code_timed(coder: Coder, text: str) -> Timed:
    started = time.perf_counter()
    try:
        stages = code_with_stages(coder, text)
    except CACError as failure:
        ms = 1000 * (time.perf_counter() - started)
        return Timed(ms, {}, type(failure).__name__, os.getpid(), peak_rss_mb())
    ms = 1000 * (time.perf_counter() - started)
    return Timed(ms, stages, None, os.getpid(), peak_rss_mb())


@dataclass(slots=True)
class _Run:
    load_s: float
    first_note_ms: float
    timed: list[Timed]
    wall_s: float


def _run_single(texts: Sequence[str], loader: CoderLoader, profile: Path | None) -> _Run:
    started = time.perf_counter()
    coder = process_coder(loader)
    load_s = time.perf_counter() - started
    # The first call pays for anything loaded lazily; it is reported apart, not hidden.
    first = _code_timed(coder, texts[0])
    profiler = cProfile.Profile() if profile is not None else None
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    timed = [_code_timed(coder, text) for text in texts]
    wall_s = time.perf_counter() - started
    if profiler is not None and profile is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    return _Run(load_s, first.ms, timed, wall_s)


_worker_state: dict[str, Any] = {}


def _init_worker(loader: CoderLoader, barrier: threading.Barrier, warmup: str) -> None:
    try:
        started = time.perf_counter()
        coder = process_coder(loader)
        load_s = time.perf_counter() - started
        first = _code_timed(coder, warmup)
        _worker_state.update(coder=coder, load_s=load_s, first_ms=first.ms)
    except BaseException:
        barrier.abort()  # the parent sees a broken barrier instead of waiting forever
        raise
    barrier.wait(_BARRIER_TIMEOUT_S)


def _worker_ready() -> tuple[int, float, float]:
    return os.getpid(), _worker_state["load_s"], _worker_state["first_ms"]


def _worker_code(text: str) -> Timed:
    return _code_timed(_worker_state["coder"], text)


def _run_workers(texts: Sequence[str], loader: CoderLoader, workers: int) -> _Run:
    # spawn, not fork: a forked copy of a process that has started torch threads can deadlock.
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers + 1)
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(loader, barrier, texts[0]),
    ) as pool:
        ready = [pool.submit(_worker_ready) for _ in range(workers)]  # starts every worker
        try:
            barrier.wait(_BARRIER_TIMEOUT_S)
        except threading.BrokenBarrierError:
            raise BenchError("a worker could not load the coder (see its error above)") from None
        loaded = [future.result() for future in ready]
        started = time.perf_counter()
        timed = list(pool.map(_worker_code, texts, chunksize=4))
        wall_s = time.perf_counter() - started
    return _Run(
        load_s=max(load for _, load, _ in loaded),
        first_note_ms=max(first for _, _, first in loaded),
        timed=timed,
        wall_s=wall_s,
    )


def _stages(timed: Sequence[Timed]) -> dict[str, Any]:
    probed = [t.stages for t in timed if t.stages]
    if not probed:
        return {"stages_ms_per_note": None, "stages_share": None}
    per_note = {name: mean([s.get(name, 0.0) for s in probed]) for name in STAGES}
    total = sum(per_note.values()) or 1.0
    return {
        "stages_ms_per_note": {k: rounded(v) for k, v in per_note.items()},
        "stages_share": {k: rounded(v / total) for k, v in per_note.items()},
    }


def _anchors(texts: Sequence[str], ours_ms: float) -> dict[str, Any]:
    tokenizer = tokenizer_ms_per_note(texts)
    medspacy, medspacy_load_s, medspacy_pipes = medspacy_ms_per_note(texts)
    return {
        "tokenizer_ms_per_note": rounded(tokenizer),
        "medspacy_ms_per_note": rounded(medspacy),
        "medspacy_load_s": rounded(medspacy_load_s),
        "medspacy_pipeline": medspacy_pipes,
        "ratio_to_tokenizer": rounded(ours_ms / tokenizer) if tokenizer else None,
        "speedup_vs_medspacy": rounded(medspacy / ours_ms) if ours_ms else None,
    }


def run_bench(
    texts: Sequence[str],
    *,
    loader: CoderLoader = default_loader,
    workers: int = 1,
    anchors: bool = True,
    profile: Path | None = None,
) -> dict[str, Any]:
    """Benchmark the coder on ``texts`` and return the report (see the README's Performance).

    With ``profile``, the coding phase runs under cProfile and its stats are written there
    (single process only; profiling slows the coder, so those figures are not comparable).
    """
    if not texts:
        raise BenchError("no notes to benchmark")
    if profile is not None and workers > 1:
        raise BenchError("--profile runs in a single process; drop --workers")
    if workers <= 1:
        run = _run_single(texts, loader, profile)
    else:
        run = _run_workers(texts, loader, workers)
    latencies = [t.ms for t in run.timed]
    words = sum(len(text.split()) for text in texts)
    ours_mean = mean(latencies)
    report: dict[str, Any] = {
        "notes": len(texts),
        "words": words,
        "workers": max(1, workers),
        "profiled": profile is not None,
        "load_s": rounded(run.load_s),
        "first_note_ms": rounded(run.first_note_ms),
        "notes_per_s": rounded(len(texts) / run.wall_s if run.wall_s else 0.0),
        "words_per_s": rounded(words / run.wall_s if run.wall_s else 0.0),
        "ms_per_note": rounded(percentile(latencies, 0.5)),
        "mean_ms_per_note": rounded(ours_mean),
        "p95_ms": rounded(percentile(latencies, 0.95)),
        "p99_ms": rounded(percentile(latencies, 0.99)),
        "max_ms": rounded(max(latencies)),
        # read in each coding process before the anchors load anything into this one
        "peak_rss_mb": rounded(max(t.rss_mb for t in run.timed), 1),
        "errors": sum(t.error is not None for t in run.timed),
        "error_types": dict(Counter(t.error for t in run.timed if t.error)),
        **_stages(run.timed),
    }
    if anchors:
        report.update(_anchors(texts, ours_mean))
    report["goals"] = _goals(report)
    report["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_1m": rounded(os.getloadavg()[0], 2),
    }
    return report


def _goals(report: dict[str, Any]) -> dict[str, bool | None]:
    ratio = report.get("ratio_to_tokenizer")
    speedup = report.get("speedup_vs_medspacy")
    return {
        f"pipeline_at_most_{MAX_RATIO_TO_TOKENIZER:g}x_tokenizer": (
            None if ratio is None else ratio <= MAX_RATIO_TO_TOKENIZER
        ),
        f"at_least_{MIN_SPEEDUP_VS_MEDSPACY:g}x_faster_than_medspacy": (
            None if speedup is None else speedup >= MIN_SPEEDUP_VS_MEDSPACY
        ),
        f"load_under_{MAX_LOAD_S:g}s": report["load_s"] < MAX_LOAD_S,
        f"rss_under_{MAX_RSS_MB:g}mb_per_worker": report["peak_rss_mb"] < MAX_RSS_MB,
    }
