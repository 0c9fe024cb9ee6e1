"""``cac code`` end to end with the real pipeline and code sets (slow: loads everything)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from models.cli import code_command

NOTE = (
    "Established patient.\nAssessment: Essential hypertension. Type 2 diabetes mellitus with "
    "diabetic neuropathy.\nDenies chest pain.\nTotal time on the date of the encounter: 25 minutes."
)


@pytest.mark.slow
def test_code_json(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    out = CliRunner().invoke(code_command, [str(note), "--json", "--date-of-service", "2026-01-05"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    codes = {(s["system"], s["code"]) for s in result["suggestions"]}
    assert {("ICD-10-CM", "I10"), ("ICD-10-CM", "E11.40"), ("CPT", "99213")} <= codes
    assert not any(code.startswith("R07") for _, code in codes)
    for suggestion in result["suggestions"]:
        assert suggestion["status"] == "needs_review"
        for evidence in suggestion["evidence"]:
            assert NOTE[evidence["start"] : evidence["end"]] == evidence["text"]
    assert set(result["versions"]) == {"icd10cm", "hcpcs", "cpt", "model", "pipeline"}


@pytest.mark.slow
def test_code_stdin_date_outside_releases() -> None:
    out = CliRunner().invoke(code_command, ["-", "--date-of-service", "2019-01-01"], input=NOTE)
    assert out.exit_code != 0
    assert "2019-01-01" in str(out.exception)
