"""Set metrics against hand-computed cases and scikit-learn."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import precision_recall_fscore_support
from sklearn.preprocessing import MultiLabelBinarizer

from evaluation.codes import CodeKey
from evaluation.metrics import Counts, chart_counts, grouped, macro, micro, per_code, worst_codes
from evaluation.outcome import ChartOutcome, Predicted


def _k(code: str, system: str = "ICD-10-CM") -> CodeKey:
    return system, code


def _outcome(gold: list[str], ranked: list[str], chart_id: str = "c") -> ChartOutcome:
    seen: list[Predicted] = []
    for i, code in enumerate(ranked):
        if all(p.key != _k(code) for p in seen):
            seen.append(Predicted(_k(code), 1.0 - 0.01 * i))
    return ChartOutcome(chart_id, frozenset(_k(c) for c in gold), tuple(seen))


@pytest.mark.parametrize(
    ("gold", "predicted", "expected", "prf"),
    [
        (["A", "B", "C"], ["B", "C", "D"], Counts(2, 1, 1), (2 / 3, 2 / 3, 2 / 3)),
        (["A"], [], Counts(0, 0, 1), (0.0, 0.0, 0.0)),  # empty predictions
        ([], ["A"], Counts(0, 1, 0), (0.0, 0.0, 0.0)),  # empty gold
        ([], [], Counts(0, 0, 0), (0.0, 0.0, 0.0)),  # both empty: defined as 0
        (["A", "B"], ["A", "A", "B", "B"], Counts(2, 0, 0), (1.0, 1.0, 1.0)),  # duplicates once
        (["A", "B", "C", "D"], ["A"], Counts(1, 0, 3), (1.0, 0.25, 0.4)),
    ],
)
def test_chart_counts(
    gold: list[str], predicted: list[str], expected: Counts, prf: tuple[float, float, float]
) -> None:
    counts = chart_counts(map(_k, gold), map(_k, predicted))
    assert counts == expected
    assert (counts.precision, counts.recall, counts.f1) == pytest.approx(prf)


def test_micro_pools_pairs_over_charts() -> None:
    outcomes = [_outcome(["A", "B"], ["A", "X"], "1"), _outcome(["A"], ["A", "Y", "Z"], "2")]
    total = micro(outcomes)
    assert total == Counts(tp=2, fp=3, fn=1)
    assert total.precision == pytest.approx(2 / 5)
    assert total.recall == pytest.approx(2 / 3)
    assert total.f1 == pytest.approx(2 * 2 / (2 * 2 + 3 + 1))


def test_macro_by_hand_over_codes_in_gold_or_predictions() -> None:
    # A: tp 2; B: fn 1; X: fp 1 -> per-code F1 1, 0, 0 -> macro F1 1/3
    outcomes = [_outcome(["A", "B"], ["A", "X"], "1"), _outcome(["A"], ["A"], "2")]
    table = per_code(outcomes)
    assert table == {_k("A"): Counts(2, 0, 0), _k("B"): Counts(0, 0, 1), _k("X"): Counts(0, 1, 0)}
    result = macro(table)
    assert result["codes"] == 3
    assert result["f1"] == pytest.approx(1 / 3)
    assert result["precision"] == pytest.approx(1 / 3)  # B has no predictions: counts 0
    assert result["recall"] == pytest.approx(1 / 3)  # X has no gold: counts 0


def test_macro_of_nothing_is_zero() -> None:
    assert macro({}) == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "codes": 0}


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_micro_and_macro_match_scikit_learn(seed: int) -> None:
    rng = random.Random(seed)
    vocabulary = [f"C{i:02d}" for i in range(12)]
    golds = [rng.sample(vocabulary, rng.randint(0, 4)) for _ in range(30)]
    preds = [rng.sample(vocabulary, rng.randint(0, 5)) for _ in range(30)]
    outcomes = [_outcome(g, p, str(i)) for i, (g, p) in enumerate(zip(golds, preds, strict=True))]
    labels = sorted({c for row in golds + preds for c in row})
    binarizer = MultiLabelBinarizer(classes=labels)
    y_true, y_pred = binarizer.fit_transform(golds), binarizer.transform(preds)
    for average in ("micro", "macro"):
        p, r, f, _ = precision_recall_fscore_support(
            y_true, y_pred, average=average, zero_division=0
        )
        ours = micro(outcomes) if average == "micro" else None
        if ours is not None:
            assert (ours.precision, ours.recall, ours.f1) == pytest.approx((p, r, f))
        else:
            result = macro(per_code(outcomes))
            assert (result["precision"], result["recall"], result["f1"]) == pytest.approx((p, r, f))


def test_grouped_and_worst_codes() -> None:
    table = {
        _k("E11.9"): Counts(1, 2, 0),
        _k("E78.5"): Counts(0, 0, 1),
        _k("I10"): Counts(3, 0, 0),
        _k("99213", "CPT"): Counts(0, 4, 4),
    }
    groups = grouped(table, lambda key: key[1][:1])
    assert groups["E"] == Counts(1, 2, 1)
    assert groups["9"] == Counts(0, 4, 4)
    worst = worst_codes(table, limit=3)
    assert [key for key, _ in worst] == [_k("99213", "CPT"), _k("E11.9"), _k("E78.5")]
    assert all(counts.fp + counts.fn for _, counts in worst_codes(table))  # I10 has no errors
