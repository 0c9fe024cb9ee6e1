"""Evidence: do the suggested spans point at the words the gold coder marked?

Scored on true positives whose gold code has spans. A suggestion "overlaps" when any of its
evidence spans shares at least one character with any gold span; character precision and
recall compare the union of characters the suggestion marks with the union the gold marks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from evaluation.outcome import ChartOutcome, Span


def _characters(spans: Iterable[Span]) -> set[int]:
    return {position for start, end in spans for position in range(start, end)}


def span_overlap(predicted: Sequence[Span], gold: Sequence[Span]) -> tuple[bool, float, float]:
    """(any overlap, character precision, character recall) of one suggestion's evidence."""
    predicted_chars, gold_chars = _characters(predicted), _characters(gold)
    shared = len(predicted_chars & gold_chars)
    return (
        shared > 0,
        shared / len(predicted_chars) if predicted_chars else 0.0,
        shared / len(gold_chars) if gold_chars else 0.0,
    )


def evidence_metrics(outcomes: Iterable[ChartOutcome]) -> dict[str, float]:
    """Overlap rate and mean character precision/recall over scorable true positives."""
    rows = []
    for outcome in outcomes:
        for predicted in outcome.ranked:
            gold = outcome.gold_spans.get(predicted.key, ())
            if predicted.key in outcome.gold and gold:
                rows.append(span_overlap(predicted.spans, gold))
    if not rows:
        return {"scored": 0.0, "overlap_rate": 0.0, "char_precision": 0.0, "char_recall": 0.0}
    return {
        "scored": float(len(rows)),
        "overlap_rate": sum(hit for hit, _, _ in rows) / len(rows),
        "char_precision": sum(p for _, p, _ in rows) / len(rows),
        "char_recall": sum(r for _, _, r in rows) / len(rows),
    }
