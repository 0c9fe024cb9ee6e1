"""Set metrics at the coder's cut-off: counts, micro and macro precision/recall/F1, tables.

Conventions (stated in every report):

- A chart's true positives are the codes both in its gold and in its suggestions; a code
  counts once per chart however often it is suggested.
- Micro averages pool TP/FP/FN over every (chart, code) pair.
- Macro averages are the unweighted mean over codes present in the gold *or* the predictions
  of each code's precision, recall and F1 (a ratio with a zero denominator counts as 0, as
  scikit-learn's ``zero_division=0``); macro F1 is the mean of per-code F1, not the F1 of the
  macro precision and recall.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from evaluation.codes import CodeKey
from evaluation.outcome import ChartOutcome


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


@dataclass(frozen=True, slots=True)
class Counts:
    """True positives, false positives and false negatives, with the ratios they give."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def support(self) -> int:
        """The number of gold codes (TP + FN)."""
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        """TP / (TP + FP); 0 when nothing was predicted."""
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        """TP / (TP + FN); 0 when the gold is empty."""
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float:
        """2TP / (2TP + FP + FN), the harmonic mean of precision and recall (0 when undefined)."""
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    def as_dict(self) -> dict[str, float | int]:
        """Counts and ratios, as metrics files store them."""
        return {
            "support": self.support,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


def chart_counts(gold: Iterable[CodeKey], predicted: Iterable[CodeKey]) -> Counts:
    """TP/FP/FN of one chart; duplicates on either side count once."""
    gold_set, predicted_set = set(gold), set(predicted)
    return Counts(
        tp=len(gold_set & predicted_set),
        fp=len(predicted_set - gold_set),
        fn=len(gold_set - predicted_set),
    )


def micro(outcomes: Iterable[ChartOutcome]) -> Counts:
    """TP/FP/FN pooled over every chart."""
    total = Counts()
    for outcome in outcomes:
        total += chart_counts(outcome.gold, outcome.predicted)
    return total


def per_code(outcomes: Iterable[ChartOutcome]) -> dict[CodeKey, Counts]:
    """TP/FP/FN of every code present in the gold or the predictions of any chart."""
    tp: dict[CodeKey, int] = defaultdict(int)
    fp: dict[CodeKey, int] = defaultdict(int)
    fn: dict[CodeKey, int] = defaultdict(int)
    for outcome in outcomes:
        predicted = outcome.predicted
        for key in outcome.gold & predicted:
            tp[key] += 1
        for key in predicted - outcome.gold:
            fp[key] += 1
        for key in outcome.gold - predicted:
            fn[key] += 1
    keys = set(tp) | set(fp) | set(fn)
    return {key: Counts(tp[key], fp[key], fn[key]) for key in sorted(keys)}


def macro(table: dict[CodeKey, Counts]) -> dict[str, float | int]:
    """Unweighted means of per-code precision, recall and F1 over the codes in ``table``."""
    if not table:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "codes": 0}
    rows = list(table.values())
    return {
        "precision": sum(r.precision for r in rows) / len(rows),
        "recall": sum(r.recall for r in rows) / len(rows),
        "f1": sum(r.f1 for r in rows) / len(rows),
        "codes": len(rows),
    }


def grouped(table: dict[CodeKey, Counts], group: Callable[[CodeKey], str]) -> dict[str, Counts]:
    """Per-code counts summed by group (chapter, system, ...)."""
    totals: dict[str, Counts] = defaultdict(Counts)
    for key, counts in table.items():
        totals[group(key)] += counts
    return dict(sorted(totals.items()))


def worst_codes(table: dict[CodeKey, Counts], limit: int = 15) -> list[tuple[CodeKey, Counts]]:
    """The codes with the most errors (FP + FN), most first; ties by code."""
    ranked = sorted(table.items(), key=lambda item: (-(item[1].fp + item[1].fn), item[0]))
    return [(key, counts) for key, counts in ranked[:limit] if counts.fp + counts.fn > 0]
