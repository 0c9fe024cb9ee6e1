"""Confidence scores: the threshold sweep (precision-recall curve) and their calibration.

A suggestion is correct when its code is in the chart's gold. Recall is measured against every
gold code, including those never suggested, so the curve ends at the coder's own recall.
Expected calibration error uses equal-width bins over [0, 1]:
ECE = sum over bins of (suggestions in bin / all suggestions) * |accuracy - mean confidence|.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evaluation.outcome import ChartOutcome

THRESHOLDS: tuple[float, ...] = tuple(round(step * 0.05, 2) for step in range(20))


def _scored(outcomes: Sequence[ChartOutcome]) -> tuple[list[tuple[float, bool]], int]:
    pairs = [(p.confidence, p.key in o.gold) for o in outcomes for p in o.ranked]
    return pairs, sum(len(o.gold) for o in outcomes)


def threshold_sweep(
    outcomes: Sequence[ChartOutcome], thresholds: Sequence[float] = THRESHOLDS
) -> list[dict[str, float]]:
    """Precision, recall and F1 when only suggestions with confidence >= t are kept."""
    pairs, gold_total = _scored(outcomes)
    rows = []
    for threshold in thresholds:
        kept = [correct for confidence, correct in pairs if confidence >= threshold]
        tp = sum(kept)
        precision = tp / len(kept) if kept else 0.0
        recall = tp / gold_total if gold_total else 0.0
        f1 = 2 * tp / (len(kept) + gold_total) if kept or gold_total else 0.0
        rows.append(
            {
                "threshold": threshold,
                "suggestions": float(len(kept)),
                "precision": precision,
                "recall": recall,
                "f1": f1,
            }
        )
    return rows


def pr_curve(outcomes: Sequence[ChartOutcome]) -> list[dict[str, float]]:
    """One (threshold, precision, recall) point per distinct confidence, highest first."""
    pairs, gold_total = _scored(outcomes)
    pairs.sort(key=lambda pair: -pair[0])
    points = []
    tp = 0
    for index, (confidence, correct) in enumerate(pairs):
        tp += correct
        last_of_tie = index + 1 == len(pairs) or pairs[index + 1][0] != confidence
        if last_of_tie:
            points.append(
                {
                    "threshold": confidence,
                    "precision": tp / (index + 1),
                    "recall": tp / gold_total if gold_total else 0.0,
                }
            )
    return points


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    """One confidence bin: its bounds, size, mean confidence and observed accuracy."""

    low: float
    high: float
    count: int
    confidence: float
    accuracy: float


def calibration_bins(outcomes: Sequence[ChartOutcome], bins: int = 10) -> list[CalibrationBin]:
    """Equal-width confidence bins; the last bin includes 1.0."""
    pairs, _ = _scored(outcomes)
    grouped: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for confidence, correct in pairs:
        grouped[min(int(confidence * bins), bins - 1)].append((confidence, correct))
    result = []
    for index, members in enumerate(grouped):
        count = len(members)
        result.append(
            CalibrationBin(
                low=index / bins,
                high=(index + 1) / bins,
                count=count,
                confidence=sum(c for c, _ in members) / count if count else 0.0,
                accuracy=sum(ok for _, ok in members) / count if count else 0.0,
            )
        )
    return result


def expected_calibration_error(table: Sequence[CalibrationBin]) -> float:
    """ECE: the count-weighted mean gap between accuracy and confidence over the bins."""
    total = sum(b.count for b in table)
    if not total:
        return 0.0
    return sum(b.count / total * abs(b.accuracy - b.confidence) for b in table)
