"""The batch job on Apache Spark: the same rows as the local engine, coded on the executors.

Each executor's Python worker loads the coder once (``models.worker.process_coder``) and codes
whole partitions with it (``mapPartitions``). The coded partitions are persisted so that writing
the three outputs codes every note exactly once. Runs unchanged in local mode (``local[2]``) or on
a cluster, as long as the executors' Python has this package installed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import SparkSession
from pyspark.sql.pandas.types import from_arrow_schema

from app.batch.records import RowOutput, code_rows
from app.batch.sources import COLUMNS, InputFormat, is_local, local_path
from app.batch.summary import BatchSummary, prepare_output
from app.batch.tables import ERRORS, NOTES, SCHEMAS, SUGGESTIONS
from models.worker import CoderLoader, default_loader, process_coder

# (note row or None, error row or None, suggestion rows): one per input row
_Coded = tuple[dict[str, Any] | None, dict[str, Any] | None, list[dict[str, Any]]]


def spark_session(
    master: str | None = None, *, app_name: str = "cac-batch", conf: Mapping[str, str] | None = None
) -> SparkSession:
    """A Spark session on ``master``, else on what spark-submit or the defaults configure."""
    if master is None or master.startswith("local"):
        # Local-mode Python workers must run this interpreter, the one with the project installed.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name).config("spark.ui.showConsoleProgress", "false")
    if master is not None:
        builder = builder.master(master)
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _url(path: str) -> str:
    return str(local_path(path).resolve()) if is_local(path) else path


def _records(spark: SparkSession, source: str, fmt: InputFormat) -> Any:
    """The input as an RDD of ``(source_row, record)``: raw lines for JSONL, dicts for Parquet."""
    if fmt == "jsonl":
        lines = spark.sparkContext.textFile(source)
        return lines.zipWithIndex().map(lambda pair: (pair[1], pair[0]))
    frame = spark.read.parquet(source)
    columns = [c for c in COLUMNS if c in frame.columns]
    rows = frame.select(*columns).rdd.zipWithIndex()
    return rows.map(lambda pair: (pair[1], pair[0].asDict(recursive=True)))


def _coder_partition(
    loader: CoderLoader, is_line: bool
) -> Callable[[Iterable[tuple[int, object]]], Iterator[_Coded]]:
    def code_partition(rows: Iterable[tuple[int, object]]) -> Iterator[_Coded]:
        coder = process_coder(loader)
        output: RowOutput
        for output in code_rows(rows, coder, is_line=is_line):
            yield output.note, output.error, output.suggestions

    return code_partition


def _counts(coded: _Coded) -> tuple[int, int, int, int]:
    note, error, suggestions = coded
    return 1, int(note is not None), int(error is not None), len(suggestions)


def _add(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]


def run_spark(
    spark: SparkSession,
    source: str,
    output: str,
    *,
    fmt: InputFormat,
    loader: CoderLoader = default_loader,
    overwrite: bool = False,
    partitions: int | None = None,
) -> BatchSummary:
    """Code every row of ``source`` on the cluster and write the three outputs under ``output``."""
    started = time.perf_counter()
    if is_local(output):
        prepare_output(local_path(output), overwrite=overwrite)
    records = _records(spark, _url(source), fmt)
    if partitions is not None:
        records = records.repartition(partitions)
    coded = records.mapPartitions(_coder_partition(loader, fmt == "jsonl"))
    coded = coded.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        extractors: dict[str, Callable[[_Coded], list[dict[str, Any]]]] = {
            NOTES: lambda c: [c[0]] if c[0] is not None else [],
            ERRORS: lambda c: [c[1]] if c[1] is not None else [],
            SUGGESTIONS: lambda c: c[2],
        }
        mode = "overwrite" if overwrite else "errorifexists"
        for name, extract in extractors.items():
            frame = spark.createDataFrame(coded.flatMap(extract), from_arrow_schema(SCHEMAS[name]))
            frame.write.mode(mode).parquet(f"{_url(output)}/{name}")
        _, notes, errors, suggestions = coded.map(_counts).fold((0, 0, 0, 0), _add)
        # Counted from the input itself, not from the coded rows, so a lost row cannot hide.
        rows_in = records.count()
    finally:
        coded.unpersist()
    summary = BatchSummary(
        engine="spark",
        rows_in=rows_in,
        notes_coded=notes,
        errors=errors,
        suggestions=suggestions,
        seconds=round(time.perf_counter() - started, 3),
    )
    summary.check()
    if is_local(output):
        (local_path(output) / "summary.json").write_text(summary.to_json() + "\n", "utf-8")
    return summary
