"""``cac eval``: validate, run, compare and codiesp through click, with replayed coders."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from evaluation import cli
from models.schema import CodingResult, Evidence, Setting, Suggestion, Versions


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(cli.eval_group, list(args), catch_exceptions=False)


def test_validate_reports_counts_and_problems(gold_path: Path, tmp_path: Path) -> None:
    result = _invoke("validate", str(gold_path))
    assert result.exit_code == 0
    assert "50 charts" in result.output and "valid" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    from evaluation.errors import GoldFormatError

    with pytest.raises(GoldFormatError, match="line 1: codes: Field required"):
        _invoke("validate", str(bad))


def _patch_coder(monkeypatch: pytest.MonkeyPatch, coder: object) -> None:
    monkeypatch.setattr("evaluation.runner.load_coder_for_worker", lambda: coder)


def test_run_then_compare(
    gold_path: Path,
    tmp_path: Path,
    replay_factory: Callable[..., object],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _patch_coder(monkeypatch, replay_factory(drop=3, wrong=2))
    result = _invoke("run", "--gold", str(gold_path), "--out", str(tmp_path / "a"), "--no-progress")
    assert result.exit_code == 0, result.output
    assert "50 charts: micro P" in result.output
    document = json.loads((tmp_path / "a" / "metrics.json").read_text(encoding="utf-8"))
    assert document["harness"]["options"]["count_negated"] is False
    assert len(document["metrics"]["charts"]) == 50
    _patch_coder(monkeypatch, replay_factory())
    result = _invoke(
        "run",
        "--gold",
        str(gold_path),
        "--out",
        str(tmp_path / "b"),
        "--limit",
        "10",
        "--no-progress",
    )
    assert json.loads((tmp_path / "b" / "metrics.json").read_text())["gold"]["charts"] == 10
    result = _invoke(
        "compare",
        str(tmp_path / "a" / "metrics.json"),
        str(tmp_path / "b" / "metrics.json"),
        "--resamples",
        "200",
    )
    assert result.exit_code == 0
    assert "warning: the runs used different harness options" in result.output
    assert "per-code F1 changes" in result.output


class _CodiEspCoder:
    """Suggests N23 for notes with 'colic' (and R60.9 for 'edema' only when negated ones count)."""

    def code(
        self,
        text: str,
        *,
        setting: Setting = "outpatient",
        date_of_service: date | None = None,
        options: Any = None,
    ) -> CodingResult:
        found = [("N23", "colic")] if "colic" in text else []
        if options is not None and options.include_negated and "edema" in text:
            found.append(("R60.9", "edema"))
        suggestions = [
            Suggestion(
                system="ICD-10-CM",
                code=code,
                description=code,
                billable=True,
                confidence=0.8,
                rank=rank,
                rationale="test",
                evidence=[
                    Evidence(start=text.index(word), end=text.index(word) + len(word), text=word)
                ],
            )
            for rank, (code, word) in enumerate(found, start=1)
        ]
        versions = Versions(icd10cm="2026", hcpcs="x", cpt="x", model="m", pipeline="p")
        return CodingResult(
            suggestions=suggestions, mentions=[], versions=versions, setting=setting
        )


def _split(root: Path) -> Path:
    (root / "text_files_en").mkdir(parents=True)
    (root / "text_files_en" / "S1.txt").write_text("Renal colic.\nNo edema.\n", encoding="utf-8")
    (root / "devD.tsv").write_text("S1\tn23\nS1\tr60.9\nS1\tx99.9\n", encoding="utf-8")
    (root / "devP.tsv").write_text("S1\tbt41zzz\n", encoding="utf-8")
    return root


@pytest.mark.parametrize(("flag", "recall"), [((), 1 / 3), (("--count-negated",), 2 / 3)])
def test_codiesp_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: tuple[str, ...], recall: float
) -> None:
    _patch_coder(monkeypatch, _CodiEspCoder())
    statuses = {"X99.9": "unknown", "N23": "not_billable"}
    monkeypatch.setattr(
        cli, "_icd10cm_status", lambda: (lambda code: statuses.get(code, "billable"), None)
    )
    result = _invoke(
        "codiesp", str(_split(tmp_path)), "--split", "dev", "--json", "--no-progress", *flag
    )
    summary = json.loads(result.output)
    assert summary["micro"]["precision"] == 1.0
    assert summary["micro"]["recall"] == pytest.approx(recall)
    assert summary["map"] == pytest.approx(recall)  # right codes are ranked first
    assert summary["gold_codes"] == 3
    assert summary["gold_codes_not_in_codeset"]["count"] == 1
    assert summary["gold_codes_not_billable"]["most_frequent"] == [["N23", 1]]
    assert summary["notices"] == ["ICD-10-PCS is not loaded: 1 procedure codes (P) skipped"]
    assert summary["count_negated"] is bool(flag)


def test_eval_help_is_listed_without_loading_the_coder() -> None:
    result = _invoke("--help")
    for name in ("codiesp", "compare", "decisions", "negex", "run", "validate"):
        assert name in result.output


def test_decisions_command(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "service.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(
            """
            CREATE TABLE suggestions (id INTEGER PRIMARY KEY, system TEXT, code TEXT, status TEXT);
            CREATE TABLE added_codes (id INTEGER PRIMARY KEY, system TEXT, code TEXT);
            INSERT INTO suggestions (system, code, status) VALUES
              ('ICD-10-CM', 'I10', 'accepted'), ('ICD-10-CM', 'E78.5', 'rejected');
            INSERT INTO added_codes (system, code) VALUES ('ICD-10-CM', 'Z79.4');
            """
        )
    result = _invoke("decisions", "--database-url", f"sqlite:///{path}")
    assert "overall" in result.output and "50.0%" in result.output
    assert "ICD-10-CM:Z79.4" in result.output
    summary = json.loads(
        _invoke("decisions", "--database-url", f"sqlite:///{path}", "--json").output
    )
    assert summary["overall"]["acceptance_rate"] == 0.5
