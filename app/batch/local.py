"""The batch job on one process: the same rows as the Spark engine, with a progress bar."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from app.batch.records import code_rows
from app.batch.sources import InputFormat, count_rows, input_files, jsonl_rows, parquet_rows
from app.batch.summary import BatchSummary, prepare_output
from app.batch.tables import ERRORS, NOTES, SCHEMAS, SUGGESTIONS
from models.worker import CoderLoader, default_loader, process_coder

_FLUSH_ROWS = 2000


class _Writers:
    """One Parquet file per output (``<output>/<name>/part-00000.parquet``), written in chunks."""

    def __init__(self, output: Path) -> None:
        self._buffers: dict[str, list[dict[str, Any]]] = {name: [] for name in SCHEMAS}
        self._writers: dict[str, pq.ParquetWriter] = {}
        for name, schema in SCHEMAS.items():
            (output / name).mkdir(parents=True, exist_ok=True)
            path = output / name / "part-00000.parquet"
            self._writers[name] = pq.ParquetWriter(path, schema)
        self.counts: dict[str, int] = dict.fromkeys(SCHEMAS, 0)

    def add(self, name: str, row: dict[str, Any]) -> None:
        buffer = self._buffers[name]
        buffer.append(row)
        self.counts[name] += 1
        if len(buffer) >= _FLUSH_ROWS:
            self._flush(name)

    def _flush(self, name: str) -> None:
        if self._buffers[name]:
            table = pa.Table.from_pylist(self._buffers[name], schema=SCHEMAS[name])
            self._writers[name].write_table(table)
            self._buffers[name] = []

    def close(self) -> None:
        for name, writer in self._writers.items():
            self._flush(name)
            writer.close()


def run_local(
    source: Path,
    output: Path,
    *,
    fmt: InputFormat,
    loader: CoderLoader = default_loader,
    overwrite: bool = False,
    progress: bool = True,
) -> BatchSummary:
    """Code every row of ``source`` in this process and write the three outputs under ``output``."""
    started = time.perf_counter()
    files = input_files(source, fmt)
    total = count_rows(files, fmt)
    prepare_output(output, overwrite=overwrite)
    coder = process_coder(loader)
    rows = jsonl_rows(files) if fmt == "jsonl" else parquet_rows(files)
    writers = _Writers(output)
    rows_in = 0
    try:
        outputs = code_rows(rows, coder, is_line=fmt == "jsonl")
        for result in tqdm(outputs, total=total, unit="note", disable=not progress):
            rows_in += 1
            if result.note is not None:
                writers.add(NOTES, result.note)
            if result.error is not None:
                writers.add(ERRORS, result.error)
            for suggestion in result.suggestions:
                writers.add(SUGGESTIONS, suggestion)
    finally:
        writers.close()
    summary = BatchSummary(
        engine="local",
        rows_in=rows_in,
        notes_coded=writers.counts[NOTES],
        errors=writers.counts[ERRORS],
        suggestions=writers.counts[SUGGESTIONS],
        seconds=round(time.perf_counter() - started, 3),
    )
    summary.check()
    (output / "summary.json").write_text(summary.to_json() + "\n", encoding="utf-8")
    return summary
