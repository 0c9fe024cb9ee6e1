"""``cac batch`` from the command line, with the real coder (skipped until it loads)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.batch.cli import batch
from codesets.errors import CACError
from models.worker import default_loader, process_coder

NOTES_JSONL = Path(__file__).parent / "data" / "notes.jsonl"


@pytest.mark.slow
def test_local_engine_balances_rows_with_the_real_coder(tmp_path: Path) -> None:
    try:
        process_coder(default_loader)
    except (ImportError, CACError) as error:
        pytest.skip(f"the real coder does not load yet ({error})")
    args = ["--input", str(NOTES_JSONL), "--output", str(tmp_path), "--no-progress"]
    result = CliRunner().invoke(batch, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    lines = len(NOTES_JSONL.read_text(encoding="utf-8").splitlines())
    assert summary["rows_in"] == lines == summary["notes_coded"] + summary["errors"]
    # the input-stage rejections do not depend on the coder: 12 of the file's rows are bad input
    assert summary["errors"] >= 12
