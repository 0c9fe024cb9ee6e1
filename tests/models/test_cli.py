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


def test_embed_builds_every_derived_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from models import cli, loading, semantic

    calls: list[str] = []
    monkeypatch.setattr(loading, "model_cache_dir", lambda: tmp_path)
    monkeypatch.setattr("models.codebook.open_codebook", lambda: "codebook")

    def build(codebook: object, directory: Path) -> tuple[Path, int, float]:
        calls.append(f"embeddings:{codebook}:{directory == tmp_path}")
        return directory, 3, 0.1

    def load(*, with_ranker: bool, with_semantic: bool) -> None:
        calls.append(f"engine:ranker={with_ranker}:semantic={with_semantic}")

    monkeypatch.setattr(semantic, "build_embeddings", build)
    monkeypatch.setattr(loading, "load_engine", load)
    out = CliRunner().invoke(cli.embed_command, [])
    assert out.exit_code == 0, out.output
    # embeddings first, then one engine load that builds the matcher table and terminology index
    assert calls == ["embeddings:codebook:True", "engine:ranker=False:semantic=False"]
    assert "3 embeddings written" in out.output and "caches ready" in out.output
