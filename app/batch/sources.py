"""Batch input: which format a path holds, and reading its rows in order on one process.

Rows are numbered from 0 across all input files in name order; that number (``source_row``) is
what the error output points at when a row has no usable id.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pyarrow.parquet as pq

from codesets.errors import CACError

InputFormat = Literal["jsonl", "parquet"]

_SUFFIXES: dict[str, InputFormat] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
}
COLUMNS = ("id", "text", "metadata")


class BatchInputError(CACError):
    """The batch input path is missing, empty, or of a format the job does not read."""


def is_local(path: str) -> bool:
    """Whether ``path`` is on this machine's file system (no URL scheme other than file:)."""
    return "://" not in path or path.startswith("file://")


def local_path(path: str) -> Path:
    """``path`` as a local ``Path`` (a ``file://`` prefix removed)."""
    return Path(path.removeprefix("file://"))


def detect_format(path: str, requested: str = "auto") -> InputFormat:
    """The input format: as requested, or from the suffix of the path or of the files in it."""
    if requested in ("jsonl", "parquet"):
        return "jsonl" if requested == "jsonl" else "parquet"
    suffixes = {Path(path.rstrip("/")).suffix.lower()}
    if is_local(path) and local_path(path).is_dir():
        suffixes = {p.suffix.lower() for p in local_path(path).iterdir() if p.is_file()}
    formats = {_SUFFIXES[s] for s in suffixes if s in _SUFFIXES}
    if len(formats) != 1:
        raise BatchInputError(
            f"cannot tell the input format of {path}; name files *.jsonl or *.parquet, "
            "or pass --format"
        )
    return formats.pop()


def input_files(path: Path, fmt: InputFormat) -> list[Path]:
    """The input files under ``path`` (itself, or its files of the format), in name order."""
    if not path.exists():
        raise BatchInputError(f"input not found: {path}")
    if path.is_file():
        return [path]
    wanted = {s for s, f in _SUFFIXES.items() if f == fmt}
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in wanted)
    if not files:
        raise BatchInputError(f"no {fmt} files in {path}")
    return files


def count_rows(files: list[Path], fmt: InputFormat) -> int:
    """How many rows the input holds (cheap: line counts, or Parquet footers)."""
    if fmt == "parquet":
        return sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    total = 0
    for file in files:
        with file.open("rb") as handle:
            total += sum(1 for _ in handle)
    return total


def jsonl_rows(files: list[Path]) -> Iterator[tuple[int, object]]:
    """``(source_row, line)`` for every line of the JSONL files."""
    source_row = 0
    for file in files:
        with file.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                # Spark's text reader drops the line end too; both engines see the same line.
                yield source_row, line.removesuffix("\n")
                source_row += 1


def parquet_rows(files: list[Path], batch_size: int = 1024) -> Iterator[tuple[int, object]]:
    """``(source_row, {id, text, metadata})`` for every row of the Parquet files."""
    source_row = 0
    for file in files:
        parquet = pq.ParquetFile(file)
        columns = [c for c in COLUMNS if c in parquet.schema_arrow.names]
        for batch in parquet.iter_batches(batch_size=batch_size, columns=columns):
            for record in batch.to_pylist():
                yield source_row, record
                source_row += 1
