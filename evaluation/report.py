"""The self-contained HTML report of a run: tables and inline plots from ``metrics.json``."""

from __future__ import annotations

from importlib import resources
from typing import Any

from jinja2 import Environment, StrictUndefined, select_autoescape

from evaluation.codes import parse_key_label
from evaluation.metrics import Counts, worst_codes
from evaluation.plots import calibration_plot, chapter_plot, pr_curve_plot, worst_codes_plot


def _environment() -> Environment:
    environment = Environment(autoescape=select_autoescape(default=True), undefined=StrictUndefined)
    environment.filters["pct"] = lambda value: f"{100 * value:.1f}"
    environment.filters["num"] = lambda value: f"{value:.3f}"
    return environment


def _worst(systems: dict[str, Any], limit: int = 15) -> list[tuple[str, dict[str, Any]]]:
    table = {
        parse_key_label(label): Counts(row["tp"], row["fp"], row["fn"])
        for metrics in systems.values()
        for label, row in metrics["codes"].items()
    }
    return [
        (f"{key[0]}:{key[1]}", {**counts.as_dict()}) for key, counts in worst_codes(table, limit)
    ]


def render_report(document: dict[str, Any]) -> str:
    """The report HTML for a metrics document (as ``cac eval run`` writes it)."""
    metrics = document["metrics"]
    systems = metrics["systems"]
    chapters = {name: row for s in systems.values() for name, row in s["chapters"].items()}
    worst = _worst(systems)
    figures = {
        "pr": pr_curve_plot({"overall": metrics["overall"], **systems}),
        "calibration": calibration_plot(
            metrics["overall"]["calibration"]["bins"], metrics["overall"]["calibration"]["ece"]
        ),
        "chapters": chapter_plot(chapters) if chapters else None,
        "worst": worst_codes_plot(worst) if worst else None,
    }
    template = resources.files("evaluation").joinpath("report.html").read_text(encoding="utf-8")
    return (
        _environment()
        .from_string(template)
        .render(
            doc=document,
            overall=metrics["overall"],
            systems=systems,
            worst=worst,
            figures=figures,
            ks=(1, 5, 10, 15),
        )
    )
