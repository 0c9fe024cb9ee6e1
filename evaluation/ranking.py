"""Ranked-list metrics over each chart's suggestions: P@k, R@k, average precision, R-precision.

Definitions follow trec_eval, which the CodiEsp-D/P official evaluation uses (through
trectools, with the rank order taken from the submitted list):

- a chart is a query and its gold codes the relevant documents; a code suggested twice counts
  at its first (best) rank only;
- average precision = sum, over the ranks where a gold code appears, of the precision at that
  rank, divided by the number of gold codes (gold codes never suggested add 0);
- MAP = mean AP over the charts that have gold codes (a chart without gold codes has no
  relevant documents and is no query in trec_eval, so it is left out and counted);
- P@k = gold codes in the top k / k (k fixed, even when fewer suggestions were made);
  R@k = gold codes in the top k / number of gold codes; R-precision = P@R with R = the number
  of gold codes. Each is averaged over the charts with gold codes.

Ties in confidence are broken by the coder's own ``rank`` field, so scores are reproducible.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from evaluation.codes import CodeKey
from evaluation.outcome import ChartOutcome, Predicted, dedupe

KS: tuple[int, ...] = (1, 5, 10, 15)


def _first_ranks(ranked: Sequence[CodeKey]) -> list[CodeKey]:
    return [p.key for p in dedupe(Predicted(key, 0.0) for key in ranked)]


def average_precision(ranked: Sequence[CodeKey], gold: Iterable[CodeKey]) -> float | None:
    """AP of one ranked list against its gold set; ``None`` when the gold is empty."""
    relevant = set(gold)
    if not relevant:
        return None
    hits = 0
    total = 0.0
    for position, key in enumerate(_first_ranks(ranked), start=1):
        if key in relevant:
            hits += 1
            total += hits / position
    return total / len(relevant)


def precision_at_k(ranked: Sequence[CodeKey], gold: Iterable[CodeKey], k: int) -> float:
    """Gold codes among the first ``k`` suggestions, divided by ``k``."""
    relevant = set(gold)
    return sum(key in relevant for key in _first_ranks(ranked)[:k]) / k


def recall_at_k(ranked: Sequence[CodeKey], gold: Iterable[CodeKey], k: int) -> float | None:
    """Gold codes among the first ``k`` suggestions, divided by the number of gold codes."""
    relevant = set(gold)
    if not relevant:
        return None
    return sum(key in relevant for key in _first_ranks(ranked)[:k]) / len(relevant)


def r_precision(ranked: Sequence[CodeKey], gold: Iterable[CodeKey]) -> float | None:
    """Precision at R, where R is the number of gold codes; ``None`` when the gold is empty."""
    relevant = set(gold)
    if not relevant:
        return None
    return precision_at_k(ranked, relevant, len(relevant))


def chart_ap(outcome: ChartOutcome) -> float | None:
    """The AP of one chart's suggestions."""
    return average_precision([p.key for p in outcome.ranked], outcome.gold)


def ranking_metrics(outcomes: Sequence[ChartOutcome], ks: Sequence[int] = KS) -> dict[str, float]:
    """MAP, R-precision, P@k and R@k averaged over the charts that have gold codes."""
    scored = [o for o in outcomes if o.gold]
    result: dict[str, float] = {"charts_with_gold": float(len(scored))}
    if not scored:
        return {**result, "map": 0.0, "r_precision": 0.0}
    lists = [([p.key for p in o.ranked], o.gold) for o in scored]
    result["map"] = sum(average_precision(r, g) or 0.0 for r, g in lists) / len(lists)
    result["r_precision"] = sum(r_precision(r, g) or 0.0 for r, g in lists) / len(lists)
    for k in ks:
        result[f"p@{k}"] = sum(precision_at_k(r, g, k) for r, g in lists) / len(lists)
        result[f"r@{k}"] = sum(recall_at_k(r, g, k) or 0.0 for r, g in lists) / len(lists)
    return result
