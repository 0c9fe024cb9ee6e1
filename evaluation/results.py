"""A run's metrics document (``metrics.json``) and the files ``cac eval run`` writes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from evaluation.compare import FORMAT
from evaluation.gold import GoldChart
from evaluation.outcome import outcome_from_result
from evaluation.report import render_report
from evaluation.runner import ChartRun, versions_of
from evaluation.scoring import score


def build_document(
    charts: Sequence[GoldChart],
    runs: Sequence[ChartRun],
    *,
    gold_path: Path,
    gold_sha256: str,
    options: dict[str, Any],
    started: datetime,
    duration_seconds: float,
    systems: Sequence[str] | None = None,
    notices: Sequence[str] = (),
) -> dict[str, Any]:
    """Score the runs and wrap the metrics with everything needed to reproduce them."""
    by_id = {run.chart_id: run for run in runs}
    outcomes = [outcome_from_result(chart, by_id[chart.id].result) for chart in charts]
    failed = [run.chart_id for run in runs if run.error is not None]
    return {
        "format": FORMAT,
        "created_at": started.astimezone(UTC).isoformat(timespec="seconds"),
        "duration_seconds": duration_seconds,
        "gold": {
            "path": str(gold_path),
            "name": gold_path.name,
            "sha256": gold_sha256,
            "charts": len(charts),
            "codes": sum(len(chart.codes) for chart in charts),
        },
        "versions": versions_of(runs),
        "harness": {"cac_version": version("cac"), "options": options},
        "timing": {
            "seconds_per_chart_mean": (
                sum(run.seconds for run in runs) / len(runs) if runs else 0.0
            ),
            "seconds_per_chart_max": max((run.seconds for run in runs), default=0.0),
        },
        "errors": {"charts_failed": len(failed), "ids": failed},
        "notices": list(notices),
        "metrics": score(outcomes, systems),
    }


def write_outputs(document: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write ``metrics.json`` and ``report.html`` into ``out_dir`` (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics_path = out_dir / "metrics.json"
    report_path = out_dir / "report.html"
    metrics_path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    report_path.write_text(render_report(document), encoding="utf-8")
    return metrics_path, report_path
