"""``cac batch --engine local``: every row is a coded note or an error, and rows match the coder."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from app.batch.local import run_local
from app.batch.summary import BatchOutputError
from app.batch.tables import ERRORS, NOTES, SUGGESTIONS, suggestion_from_row
from models.worker import CoderLoader, process_coder

Reader = Callable[[Path, str], list[dict[str, Any]]]
NOTES_JSONL = Path(__file__).parent / "data" / "notes.jsonl"

# (note id or None, stage, reason) of every bad row in data/notes.jsonl, by source row
EXPECTED_ERRORS: dict[int, tuple[str | None, str, str]] = {
    4: ("bad-missing-text", "input", "missing text"),
    5: ("bad-null-text", "input", "missing text"),
    6: ("bad-empty-text", "input", "empty text"),
    7: ("bad-number-text", "input", "text must be a string, got int"),
    8: ("bad-list-text", "input", "text must be a string, got list"),
    9: (None, "input", "missing id"),
    10: ("bad-setting", "input", "metadata.setting must be 'outpatient' or 'inpatient'"),
    11: ("bad-date", "input", "metadata.date_of_service must be an ISO date (YYYY-MM-DD)"),
    12: ("bad-metadata", "input", "metadata must be an object, got list"),
    13: ("bad-coder", "coding", "InvalidNote: the fake coder refuses this note"),
    15: (None, "input", "malformed JSON at column 28"),
    16: (None, "input", "row must be an object, got list"),
    17: (None, "input", "empty line"),
}
GOOD_IDS = {"n1", "n2", "3", "n4", "n5", "n6"}


def input_texts(path: Path) -> dict[str, dict[str, Any]]:
    """The good rows of a JSONL file by id."""
    rows: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and str(record.get("id")) in GOOD_IDS:
            rows[str(record["id"])] = record
    return rows


def assert_matches_coder(output: Path, loader: CoderLoader, read_output: Reader) -> None:
    """Every good note's stored suggestions are exactly what the coder returns for it."""
    coder = process_coder(loader)
    stored: dict[str, list[Any]] = {}
    for row in read_output(output, SUGGESTIONS):
        stored.setdefault(row["note_id"], []).append(suggestion_from_row(row))
    for note_id, record in input_texts(NOTES_JSONL).items():
        metadata = record.get("metadata") or {}
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        day = metadata.get("date_of_service")
        result = coder.code(
            record["text"],
            setting=metadata.get("setting", "outpatient"),
            date_of_service=date.fromisoformat(day) if day else None,
        )
        got = sorted(stored.get(note_id, []), key=lambda s: s.rank)
        assert got == result.suggestions, note_id


def test_jsonl_rows_become_notes_or_errors(
    tmp_path: Path, fake_loader: CoderLoader, read_output: Reader
) -> None:
    summary = run_local(NOTES_JSONL, tmp_path, fmt="jsonl", loader=fake_loader, progress=False)
    errors = {row["source_row"]: row for row in read_output(tmp_path, ERRORS)}
    assert {
        k: (e["note_id"], e["stage"], e["reason"]) for k, e in errors.items()
    } == EXPECTED_ERRORS
    notes = read_output(tmp_path, NOTES)
    assert {row["note_id"] for row in notes} == GOOD_IDS
    lines = len(NOTES_JSONL.read_text(encoding="utf-8").splitlines())
    assert summary.rows_in == lines == len(notes) + len(errors)
    assert json.loads((tmp_path / "summary.json").read_text())["errors"] == len(EXPECTED_ERRORS)


def test_suggestions_equal_the_coder_note_by_note(
    tmp_path: Path, fake_loader: CoderLoader, read_output: Reader
) -> None:
    run_local(NOTES_JSONL, tmp_path, fmt="jsonl", loader=fake_loader, progress=False)
    assert_matches_coder(tmp_path, fake_loader, read_output)


def test_metadata_and_versions_are_carried(
    tmp_path: Path, fake_loader: CoderLoader, read_output: Reader
) -> None:
    run_local(NOTES_JSONL, tmp_path, fmt="jsonl", loader=fake_loader, progress=False)
    notes = {row["note_id"]: row for row in read_output(tmp_path, NOTES)}
    assert notes["3"]["setting"] == "inpatient"
    assert json.loads(notes["3"]["metadata"]) == {"clinic": "north", "setting": "inpatient"}
    assert notes["n1"]["date_of_service"].isoformat() == "2025-11-03"
    assert notes["n4"]["suggestions"] == 0 and notes["n4"]["no_suggestions_reason"] == "no keyword"
    assert notes["n6"]["setting"] == "inpatient"  # metadata given as a JSON string
    suggestion = next(r for r in read_output(tmp_path, SUGGESTIONS) if r["note_id"] == "n1")
    assert (suggestion["model_version"], suggestion["pipeline_version"]) == ("fake", "p")


def _parquet(path: Path, rows: list[dict[str, Any]], schema: pa.Schema | None = None) -> Path:
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


@pytest.mark.parametrize(
    ("rows", "schema", "expected"),
    [
        (
            [{"id": "a", "text": "cough"}, {"id": "b", "text": None}, {"id": "c", "text": " "}],
            None,
            {1: "missing text", 2: "empty text"},
        ),
        (
            [{"id": "a", "text": 7}, {"id": "b", "text": 8}],
            pa.schema([("id", pa.string()), ("text", pa.int64())]),
            {0: "text must be a string, got int", 1: "text must be a string, got int"},
        ),
        (
            [{"id": "a", "metadata": {"setting": "inpatient"}}],
            None,
            {0: "missing text"},
        ),
        (
            [{"id": "a", "text": "cough", "metadata": [("setting", "inpatient")]}],
            pa.schema(
                [
                    ("id", pa.string()),
                    ("text", pa.string()),
                    ("metadata", pa.map_(pa.string(), pa.string())),
                ]
            ),
            {},
        ),
    ],
    ids=["null-and-blank", "integer-column", "no-text-column", "map-metadata"],
)
def test_parquet_bad_rows_land_in_errors(
    tmp_path: Path,
    fake_loader: CoderLoader,
    rows: list[dict[str, Any]],
    schema: pa.Schema | None,
    expected: dict[int, str],
    read_output: Reader,
) -> None:
    source = _parquet(tmp_path / "in.parquet", rows, schema)
    summary = run_local(source, tmp_path / "out", fmt="parquet", loader=fake_loader, progress=False)
    errors = read_output(tmp_path / "out", ERRORS)
    assert {e["source_row"]: e["reason"] for e in errors} == expected
    assert summary.notes_coded == len(rows) - len(expected)


def test_refuses_to_mix_with_earlier_results(
    tmp_path: Path, fake_loader: CoderLoader, read_output: Reader
) -> None:
    run_local(NOTES_JSONL, tmp_path, fmt="jsonl", loader=fake_loader, progress=False)
    with pytest.raises(BatchOutputError):
        run_local(NOTES_JSONL, tmp_path, fmt="jsonl", loader=fake_loader, progress=False)
    again = run_local(
        NOTES_JSONL, tmp_path, fmt="jsonl", loader=fake_loader, progress=False, overwrite=True
    )
    assert again.rows_in == len(read_output(tmp_path, NOTES)) + len(read_output(tmp_path, ERRORS))


def test_cli_reports_an_unknown_format(tmp_path: Path) -> None:
    from app.batch.cli import batch

    source = tmp_path / "notes.csv"
    source.write_text("id,text\n", encoding="utf-8")
    result = CliRunner().invoke(batch, ["--input", str(source), "--output", str(tmp_path / "o")])
    assert result.exit_code != 0
    assert "cannot tell the input format" in str(result.exception)
