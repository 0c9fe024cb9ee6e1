"""Run the coder over gold charts: in this process or in a pool where each worker loads it once.

``load_coder_for_worker`` is the one function that loads the product's coder for a worker
process; it asks ``models.worker``, which the batch job and benchmarks share. A chart the coder
fails on is recorded (its id and the product error message or the exception type, never the
note) and scored as having no suggestions.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from time import perf_counter
from typing import Any

from tqdm import tqdm

from codesets.errors import CACError
from evaluation.errors import CoderUnavailableError
from evaluation.gold import GoldChart
from evaluation.options import CodingOptions, accepts_options
from models.coder import Coder
from models.schema import CodingResult, Setting

log = logging.getLogger(__name__)

CoderFactory = Callable[[], Coder]
DEFAULT_SETTING: Setting = "outpatient"


def load_coder_for_worker() -> Coder:
    """The product's coder for this process, loaded once (``models.worker``, shared with batch)."""
    from models.worker import process_coder

    try:
        return process_coder()
    except ImportError as error:  # a part of the pipeline is not installed
        raise CoderUnavailableError(f"the coder cannot be loaded: {error}") from error


@dataclass(frozen=True, slots=True)
class ChartRun:
    """The coder's result for one chart, or why there is none, and how long it took."""

    chart_id: str
    result: CodingResult | None
    error: str | None
    seconds: float


@dataclass(frozen=True, slots=True)
class _Job:
    chart_id: str
    text: str
    setting: Setting
    date_of_service: date | None
    options: CodingOptions


def _jobs(
    charts: Sequence[GoldChart], options: CodingOptions, setting: Setting | None
) -> list[_Job]:
    return [
        _Job(
            chart_id=chart.id,
            text=chart.text or "",
            setting=setting or chart.setting or DEFAULT_SETTING,
            date_of_service=chart.date_of_service,
            options=options,
        )
        for chart in charts
    ]


def check_options(coder: Coder, options: CodingOptions) -> None:
    """Raise ``CoderUnavailableError`` when the run needs options the coder does not take."""
    if options != CodingOptions() and not accepts_options(coder):
        raise CoderUnavailableError(
            "the loaded coder does not accept coding options (include_negated); "
            "--count-negated needs a coder whose code() takes options="
        )


def _code_one(coder: Coder, job: _Job) -> ChartRun:
    started = perf_counter()
    kwargs: dict[str, Any] = {"setting": job.setting, "date_of_service": job.date_of_service}
    if job.options != CodingOptions():
        kwargs["options"] = job.options
    try:
        result = coder.code(job.text, **kwargs)
    except CACError as error:
        return ChartRun(job.chart_id, None, error.message, perf_counter() - started)
    except Exception as error:  # a coder bug on one chart must not lose the whole run
        # the type only: an exception's message or traceback may quote the note
        log.error("coder failed on chart %s: %s", job.chart_id, type(error).__name__)
        return ChartRun(job.chart_id, None, type(error).__name__, perf_counter() - started)
    return ChartRun(job.chart_id, result, None, perf_counter() - started)


_worker_coder: Coder | None = None
_worker_error: CACError | None = None


def _init_worker(factory: CoderFactory, options: CodingOptions) -> None:
    # An exception in a pool initializer only says "broken pool"; keep the product error and
    # raise it from the first job instead, where the parent sees it.
    global _worker_coder, _worker_error
    try:
        _worker_coder = factory()
        check_options(_worker_coder, options)
    except CACError as error:
        _worker_error = error


def _code_in_worker(job: _Job) -> ChartRun:
    if _worker_error is not None:
        raise _worker_error
    if _worker_coder is None:
        raise CoderUnavailableError("worker started without a coder")
    return _code_one(_worker_coder, job)


def _iterate(
    jobs: list[_Job], factory: CoderFactory, options: CodingOptions, workers: int
) -> Iterator[ChartRun]:
    if workers <= 1:
        coder = factory()
        check_options(coder, options)
        for job in jobs:
            yield _code_one(coder, job)
        return
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=(factory, options)
    ) as pool:
        yield from pool.map(_code_in_worker, jobs, chunksize=1)


def run_coder(
    charts: Sequence[GoldChart],
    *,
    factory: CoderFactory | None = None,
    options: CodingOptions | None = None,
    workers: int = 1,
    setting: Setting | None = None,
    progress: bool = False,
) -> list[ChartRun]:
    """Code every chart, in order; ``setting`` overrides the charts' own settings.

    ``factory`` loads the coder (once per process); the default is ``load_coder_for_worker``.
    """
    factory = factory or load_coder_for_worker
    chosen = options or CodingOptions()
    jobs = _jobs(charts, chosen, setting)
    runs: list[ChartRun] = []
    with tqdm(total=len(jobs), unit="chart", disable=not progress, file=sys.stderr) as bar:
        for run in _iterate(jobs, factory, chosen, workers):
            runs.append(run)
            bar.update(1)
    failed = sum(run.error is not None for run in runs)
    log.info("coded %d charts (%d failed)", len(runs), failed)
    return runs


def versions_of(runs: Sequence[ChartRun]) -> dict[str, Any]:
    """The versions that produced the results; every distinct set when they differ."""
    distinct = {
        tuple(sorted(run.result.versions.model_dump().items())) for run in runs if run.result
    }
    if not distinct:
        return {}
    if len(distinct) == 1:
        return dict(next(iter(distinct)))
    return {"mixed": [dict(items) for items in sorted(distinct)]}
