"""Every metric of a run, per code system and overall, as one JSON-ready dictionary.

The per-chart records (TP/FP/FN code lists and AP) are kept so that ``cac eval compare`` can
bootstrap over charts without the notes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from evaluation.calibration import (
    calibration_bins,
    expected_calibration_error,
    pr_curve,
    threshold_sweep,
)
from evaluation.chapters import chapter_of
from evaluation.codes import SYSTEMS, CodeKey, category, key_label
from evaluation.metrics import grouped, macro, micro, per_code
from evaluation.outcome import ChartOutcome, by_system
from evaluation.ranking import chart_ap, ranking_metrics
from evaluation.spans import evidence_metrics

CONVENTIONS = {
    "cutoff": "set metrics use every suggestion the coder returned (its own cut-off)",
    "micro": "TP/FP/FN pooled over (chart, code) pairs; a code counts once per chart",
    "macro": "mean of per-code precision, recall and F1 over codes in gold or predictions "
    "(zero denominators count as 0)",
    "ranking": "trec_eval definitions as in the CodiEsp official evaluation: AP per chart over "
    "the ranked suggestions divided by the number of gold codes; means over charts with gold",
    "category": "ICD-10 codes compared at their 3-character category; other systems unchanged",
    "calibration": "ECE over 10 equal-width confidence bins; correct = code in the chart's gold",
    "evidence": "true positives whose gold code has spans; overlap = any shared character",
}


def _to_category(key: CodeKey) -> CodeKey:
    return key[0], category(*key)


def system_metrics(outcomes: Sequence[ChartOutcome], *, tables: bool) -> dict[str, Any]:
    """Set, ranking, category, evidence and calibration metrics of ``outcomes``."""
    table = per_code(outcomes)
    categories = [o.mapped(_to_category) for o in outcomes]
    bins = calibration_bins(outcomes)
    result: dict[str, Any] = {
        "charts": len(outcomes),
        "micro": micro(outcomes).as_dict(),
        "macro": macro(table),
        "ranking": ranking_metrics(outcomes),
        "category": {
            "micro": micro(categories).as_dict(),
            "macro": macro(per_code(categories)),
        },
        "evidence": evidence_metrics(outcomes),
        "calibration": {"ece": expected_calibration_error(bins), "bins": [asdict(b) for b in bins]},
        "threshold_sweep": threshold_sweep(outcomes),
        "pr_curve": pr_curve(outcomes),
    }
    if tables:
        result["chapters"] = {k: v.as_dict() for k, v in grouped(table, chapter_of).items()}
        result["codes"] = {key_label(k): v.as_dict() for k, v in table.items()}
    return result


def _in_system(system: str) -> Callable[[CodeKey], bool]:
    return lambda key: key[0] == system


def chart_records(outcomes: Sequence[ChartOutcome], systems: Sequence[str]) -> list[dict[str, Any]]:
    """Per chart: its TP, FP and FN codes and its AP overall and per system."""
    records = []
    for outcome in outcomes:
        predicted = outcome.predicted
        ap = {"overall": chart_ap(outcome)}
        for system in systems:
            ap[system] = chart_ap(outcome.restricted(_in_system(system)))
        records.append(
            {
                "id": outcome.id,
                "setting": outcome.setting,
                "tp": sorted(key_label(k) for k in outcome.gold & predicted),
                "fp": sorted(key_label(k) for k in predicted - outcome.gold),
                "fn": sorted(key_label(k) for k in outcome.gold - predicted),
                "ap": ap,
            }
        )
    return records


def systems_of(outcomes: Sequence[ChartOutcome]) -> list[str]:
    """The code systems present in the gold or the suggestions, in ``SYSTEMS`` order."""
    found = {k[0] for o in outcomes for k in o.gold} | {k[0] for o in outcomes for k in o.predicted}
    return sorted(found, key=lambda s: (SYSTEMS.index(s) if s in SYSTEMS else len(SYSTEMS), s))


def score(outcomes: Sequence[ChartOutcome], systems: Sequence[str] | None = None) -> dict[str, Any]:
    """All metrics: ``overall``, one entry per system, and the per-chart records."""
    chosen = list(systems) if systems is not None else systems_of(outcomes)
    return {
        "conventions": CONVENTIONS,
        "overall": system_metrics(outcomes, tables=False),
        "systems": {s: system_metrics(by_system(list(outcomes), s), tables=True) for s in chosen},
        "charts": chart_records(outcomes, chosen),
    }
