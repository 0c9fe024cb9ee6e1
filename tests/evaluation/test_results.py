"""A whole run: the metrics document, the report, and the paired-bootstrap comparison."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from evaluation.compare import compare_runs, format_comparison, load_metrics
from evaluation.errors import MetricsFileError
from evaluation.gold import GoldChart, sha256_file
from evaluation.results import build_document, write_outputs
from evaluation.runner import run_coder


def _document(charts: list[GoldChart], coder: object, gold_path: Path) -> dict[str, Any]:
    runs = run_coder(charts, factory=lambda: coder)  # type: ignore[arg-type, return-value]
    return build_document(
        charts,
        runs,
        gold_path=gold_path,
        gold_sha256=sha256_file(gold_path),
        options={"count_negated": False},
        started=datetime(2026, 1, 1, tzinfo=UTC),
        duration_seconds=1.0,
    )


def test_a_perfect_coder_scores_one_everywhere(
    gold_charts: list[GoldChart], gold_path: Path, replay_factory: Callable[..., object]
) -> None:
    document = _document(gold_charts, replay_factory(), gold_path)
    for metrics in [document["metrics"]["overall"], *document["metrics"]["systems"].values()]:
        assert metrics["micro"]["precision"] == metrics["micro"]["recall"] == 1.0
        assert metrics["macro"]["f1"] == 1.0
        assert metrics["ranking"]["map"] == 1.0
        assert metrics["ranking"]["r_precision"] == 1.0
        assert metrics["evidence"]["overlap_rate"] == 1.0
    assert document["gold"]["sha256"] == sha256_file(gold_path)
    assert document["gold"]["charts"] == len(gold_charts)
    assert document["versions"]["icd10cm"] == "2026"


def test_planted_errors_give_the_hand_computed_figures(
    gold_charts: list[GoldChart], gold_path: Path, replay_factory: Callable[..., object]
) -> None:
    # every chart gets one wrong code (R69) at confidence 0.35, ranked last
    document = _document(gold_charts, replay_factory(wrong=1), gold_path)
    gold_total = sum(len(chart.codes) for chart in gold_charts)
    overall = document["metrics"]["overall"]
    assert overall["micro"]["fp"] == len(gold_charts)
    assert overall["micro"]["precision"] == pytest.approx(
        gold_total / (gold_total + len(gold_charts))
    )
    assert overall["ranking"]["map"] == 1.0  # wrong codes ranked below every right one
    codes = document["metrics"]["systems"]["ICD-10-CM"]["codes"]
    assert codes["ICD-10-CM:R69"] == {
        "support": 0,
        "tp": 0,
        "fp": len(gold_charts),
        "fn": 0,
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
    }
    sweep = {row["threshold"]: row for row in overall["threshold_sweep"]}
    assert sweep[0.4]["precision"] == 1.0  # the planted codes fall below 0.4
    assert sweep[0.4]["recall"] == 1.0


def test_outputs_are_written_and_the_report_is_self_contained(
    gold_charts: list[GoldChart],
    gold_path: Path,
    replay_factory: Callable[..., object],
    tmp_path: Path,
) -> None:
    document = _document(gold_charts, replay_factory(drop=5, wrong=3), gold_path)
    metrics_path, report_path = write_outputs(document, tmp_path / "run")
    assert load_metrics(metrics_path)["gold"]["sha256"] == document["gold"]["sha256"]
    html = report_path.read_text(encoding="utf-8")
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', html)) == 4
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from the network
    assert "syn-0" not in html  # chart ids appear only when the coder failed on them
    assert "Type 2 diabetes" not in html  # never the note text


def test_compare_finds_a_significant_improvement(
    gold_charts: list[GoldChart], gold_path: Path, replay_factory: Callable[..., object]
) -> None:
    worse = _document(gold_charts, replay_factory(drop=2, wrong=2), gold_path)
    better = _document(gold_charts, replay_factory(), gold_path)
    comparison = compare_runs(worse, better, resamples=300)
    overall = comparison["bootstrap"]["overall"]
    assert overall["micro_f1"]["delta"] > 0
    assert overall["micro_f1"]["significant"]
    assert overall["micro_f1"]["ci95"][0] > 0
    assert comparison["deltas"]["overall"]["micro_f1"]["delta"] == pytest.approx(
        overall["micro_f1"]["delta"]
    )
    changed = {row["code"]: row for row in comparison["bootstrap"]["codes"]}
    # R69 is never right (F1 0 in both runs): no change; dropped gold codes recover in B
    assert "ICD-10-CM:R69" not in changed
    assert changed and all(row["delta"] > 0 for row in changed.values())
    assert comparison["warnings"] == []
    text = format_comparison(comparison)
    assert "significant" in text and "micro_f1" in text


def test_compare_of_a_run_with_itself_finds_nothing(
    gold_charts: list[GoldChart], gold_path: Path, replay_factory: Callable[..., object]
) -> None:
    run = _document(gold_charts, replay_factory(drop=3), gold_path)
    comparison = compare_runs(run, run, resamples=200)
    assert comparison["bootstrap"]["codes"] == []
    assert comparison["bootstrap"]["overall"]["micro_f1"] == {
        "delta": 0.0,
        "ci95": [0.0, 0.0],
        "p_value": 1.0,
        "significant": False,
    }


def test_compare_warns_when_gold_files_differ(
    gold_charts: list[GoldChart], gold_path: Path, replay_factory: Callable[..., object]
) -> None:
    a = _document(gold_charts, replay_factory(), gold_path)
    b = json.loads(json.dumps(a))
    b["gold"]["sha256"] = "0" * 64
    assert "different gold files" in compare_runs(a, b, resamples=100)["warnings"][0]


def test_load_metrics_rejects_other_files(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text('{"a": 1}', encoding="utf-8")
    with pytest.raises(MetricsFileError, match="not a metrics file"):
        load_metrics(path)
    with pytest.raises(MetricsFileError, match="cannot be read"):
        load_metrics(tmp_path / "missing.json")
