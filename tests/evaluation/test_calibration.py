"""Threshold sweep, precision-recall curve, calibration bins and ECE by hand."""

from __future__ import annotations

import pytest

from evaluation.calibration import (
    calibration_bins,
    expected_calibration_error,
    pr_curve,
    threshold_sweep,
)
from evaluation.outcome import ChartOutcome, Predicted
from evaluation.spans import evidence_metrics, span_overlap


def _chart(gold: list[str], scored: list[tuple[str, float]]) -> ChartOutcome:
    return ChartOutcome(
        "c",
        frozenset(("ICD-10-CM", g) for g in gold),
        tuple(Predicted(("ICD-10-CM", code), confidence) for code, confidence in scored),
    )


def test_ece_by_hand() -> None:
    # bin 0.9-1.0: confidences .9/.9, one right -> |0.5 - 0.9| = 0.4 for 2 of 4 suggestions
    # bin 0.2-0.3: confidences .2/.2, one right -> |0.5 - 0.2| = 0.3 for 2 of 4 suggestions
    outcome = _chart(["A", "C"], [("A", 0.9), ("B", 0.9), ("C", 0.2), ("D", 0.2)])
    bins = calibration_bins([outcome])
    assert [b.count for b in bins] == [0, 0, 2, 0, 0, 0, 0, 0, 0, 2]
    assert bins[9].accuracy == pytest.approx(0.5)
    assert expected_calibration_error(bins) == pytest.approx(0.5 * 0.4 + 0.5 * 0.3)


def test_confidence_one_falls_in_the_last_bin_and_perfect_calibration_is_zero() -> None:
    bins = calibration_bins([_chart(["A"], [("A", 1.0)])])
    assert bins[-1].count == 1
    assert expected_calibration_error(bins) == pytest.approx(0.0)
    assert expected_calibration_error(calibration_bins([])) == 0.0


def test_threshold_sweep_counts_recall_against_every_gold_code() -> None:
    outcome = _chart(["A", "B", "C"], [("A", 0.9), ("X", 0.6), ("B", 0.3)])
    rows = {row["threshold"]: row for row in threshold_sweep([outcome], [0.0, 0.5, 0.95])}
    assert rows[0.0]["precision"] == pytest.approx(2 / 3)
    assert rows[0.0]["recall"] == pytest.approx(2 / 3)
    assert rows[0.5]["suggestions"] == 2
    assert rows[0.5]["precision"] == pytest.approx(0.5)
    assert rows[0.5]["recall"] == pytest.approx(1 / 3)
    assert rows[0.95] == {
        "threshold": 0.95,
        "suggestions": 0.0,
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
    }


def test_pr_curve_groups_tied_confidences() -> None:
    outcome = _chart(["A", "B"], [("A", 0.9), ("X", 0.5), ("B", 0.5)])
    points = pr_curve([outcome])
    assert [p["threshold"] for p in points] == [0.9, 0.5]
    assert points[1]["precision"] == pytest.approx(2 / 3)
    assert points[1]["recall"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("predicted", "gold", "expected"),
    [
        ([(0, 10)], [(0, 10)], (True, 1.0, 1.0)),
        ([(0, 10)], [(5, 20)], (True, 0.5, 5 / 15)),
        ([(0, 4)], [(4, 8)], (False, 0.0, 0.0)),  # touching ends share no character
        ([(0, 2), (10, 12)], [(0, 12)], (True, 1.0, 4 / 12)),
        ([], [(0, 3)], (False, 0.0, 0.0)),
    ],
)
def test_span_overlap(
    predicted: list[tuple[int, int]],
    gold: list[tuple[int, int]],
    expected: tuple[bool, float, float],
) -> None:
    hit, precision, recall = span_overlap(predicted, gold)
    assert hit is expected[0]
    assert (precision, recall) == pytest.approx(expected[1:])


def test_evidence_metrics_score_true_positives_with_gold_spans_only() -> None:
    outcome = ChartOutcome(
        "c",
        frozenset({("ICD-10-CM", "A"), ("ICD-10-CM", "B")}),
        (
            Predicted(("ICD-10-CM", "A"), 0.9, ((0, 5),)),
            Predicted(("ICD-10-CM", "B"), 0.9, ((50, 55),)),
            Predicted(("ICD-10-CM", "X"), 0.9, ((0, 5),)),  # a false positive: not scored
        ),
        gold_spans={("ICD-10-CM", "A"): ((0, 5),), ("ICD-10-CM", "B"): ((10, 15),)},
    )
    result = evidence_metrics([outcome])
    assert result["scored"] == 2
    assert result["overlap_rate"] == pytest.approx(0.5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_calibration_bins_match_scikit_learn(seed: int) -> None:
    import random

    from sklearn.calibration import calibration_curve

    rng = random.Random(seed)
    # confidences away from the bin edges, where the two libraries assign edges differently
    scored = [(f"C{i}", round(rng.uniform(0.0, 0.99), 3) + 0.0004) for i in range(200)]
    gold = [code for code, confidence in scored if rng.random() < confidence]
    bins = [b for b in calibration_bins([_chart(gold, scored)]) if b.count]
    correct = [int(code in gold) for code, _ in scored]
    accuracy, confidence = calibration_curve(
        correct, [c for _, c in scored], n_bins=10, strategy="uniform"
    )
    assert [b.accuracy for b in bins] == pytest.approx(list(accuracy))
    assert [b.confidence for b in bins] == pytest.approx(list(confidence))
