"""``cac nlp``: JSON output with offsets, stdin input, and a clear error for a missing file."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from nlp.cli import nlp_command
from nlp.pipeline import PIPELINE_VERSION, ClinicalPipeline


def test_json_output(pipeline: ClinicalPipeline, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    text = "HPI: denies chest pain.\r\nPMH: HTN.\n"
    note.write_bytes(text.encode())
    result = CliRunner().invoke(nlp_command, [str(note), "--json"], obj={"pipeline": pipeline})
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["pipeline_version"] == PIPELINE_VERSION
    assert [s["name"] for s in payload["sections"]] == [
        "history_of_present_illness",
        "past_medical_history",
    ]
    first, second = payload["mentions"]
    assert text[first["start"] : first["end"]] == first["text"] == "chest pain"
    assert first["assertion"]["negated"] is True
    assert first["assertion"]["cues"] == [
        {"category": "negated", "text": "denies", "start": 5, "end": 11}
    ]
    assert (second["text"], second["section"], second["expansion"]) == (
        "HTN",
        "past_medical_history",
        "hypertension",
    )
    assert set(payload["timings_ms"]) >= {"sections", "sentences", "mentions", "assertions"}


def test_stdin_and_undecodable_bytes(pipeline: ClinicalPipeline) -> None:
    result = CliRunner().invoke(
        nlp_command, ["-"], input=b"\xff\xfe fever \x00\x81", obj={"pipeline": pipeline}
    )
    assert result.exit_code == 0, result.output
    assert "'fever'" in result.output


def test_missing_file_is_a_clear_error(pipeline: ClinicalPipeline, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        nlp_command, [str(tmp_path / "absent.txt")], obj={"pipeline": pipeline}
    )
    assert result.exit_code != 0
    assert "cannot read absent.txt" in str(result.exception)
