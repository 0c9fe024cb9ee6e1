"""Ranked-list metrics against hand-computed cases and scikit-learn's average precision."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import average_precision_score

from evaluation.codes import CodeKey
from evaluation.outcome import ChartOutcome, Predicted, outcome_from_result
from evaluation.ranking import (
    average_precision,
    precision_at_k,
    r_precision,
    ranking_metrics,
    recall_at_k,
)


def _keys(codes: str) -> list[CodeKey]:
    return [("ICD-10-CM", code) for code in codes.split()] if codes else []


@pytest.mark.parametrize(
    ("ranked", "gold", "expected"),
    [
        ("A X B Y", "A B C", (1 / 1 + 2 / 3) / 3),  # C never suggested adds 0
        ("A B", "A B", 1.0),
        ("X A", "A", 0.5),
        ("", "A B", 0.0),  # empty predictions
        ("A A B", "A B", 1.0),  # a duplicate counts at its first rank only
        ("X Y Z", "A", 0.0),
    ],
)
def test_average_precision_by_hand(ranked: str, gold: str, expected: float) -> None:
    assert average_precision(_keys(ranked), _keys(gold)) == pytest.approx(expected)


def test_average_precision_of_empty_gold_is_undefined() -> None:
    assert average_precision(_keys("A"), []) is None
    assert recall_at_k(_keys("A"), [], 5) is None
    assert r_precision(_keys("A"), []) is None


@pytest.mark.parametrize("seed", range(8))
def test_average_precision_matches_scikit_learn_when_every_gold_code_is_ranked(seed: int) -> None:
    # scikit-learn ranks by score; with distinct scores and every relevant item in the list its
    # step-wise AP equals trec_eval's (it would credit never-suggested codes, trec_eval does not).
    rng = random.Random(seed)
    length = rng.randint(2, 25)
    relevance = [rng.random() < 0.4 for _ in range(length)]
    relevance[rng.randrange(length)] = True
    ranked = [("ICD-10-CM", f"C{i}") for i in range(length)]
    gold = [key for key, relevant in zip(ranked, relevance, strict=True) if relevant]
    scores = [1.0 - i / length for i in range(length)]
    expected = average_precision_score([int(r) for r in relevance], scores)
    assert average_precision(ranked, gold) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("ranked", "gold", "k", "p", "r"),
    [
        ("A X", "A", 5, 1 / 5, 1.0),  # k is fixed even when fewer suggestions were made
        ("A X B", "A B C", 1, 1.0, 1 / 3),
        ("X A B", "A B", 1, 0.0, 0.0),
        ("A A B", "A B", 2, 1.0, 1.0),  # duplicates removed before cutting at k
        ("", "A", 5, 0.0, 0.0),
    ],
)
def test_precision_and_recall_at_k(ranked: str, gold: str, k: int, p: float, r: float) -> None:
    assert precision_at_k(_keys(ranked), _keys(gold), k) == pytest.approx(p)
    assert recall_at_k(_keys(ranked), _keys(gold), k) == pytest.approx(r)


def test_r_precision_by_hand() -> None:
    assert r_precision(_keys("A X B"), _keys("A B")) == pytest.approx(0.5)
    assert r_precision(_keys("B A X"), _keys("A B")) == pytest.approx(1.0)


def _outcome(chart_id: str, gold: str, ranked: str) -> ChartOutcome:
    return ChartOutcome(
        chart_id,
        frozenset(_keys(gold)),
        tuple(Predicted(key, 0.5) for key in _keys(ranked)),
    )


def test_map_averages_over_charts_with_gold_only() -> None:
    outcomes = [_outcome("1", "A B", "A X B"), _outcome("2", "C", "C"), _outcome("3", "", "Z")]
    result = ranking_metrics(outcomes)
    assert result["charts_with_gold"] == 2
    assert result["map"] == pytest.approx(((1 + 2 / 3) / 2 + 1.0) / 2)
    assert result["p@1"] == pytest.approx(1.0)
    assert result["r@1"] == pytest.approx((0.5 + 1.0) / 2)


def test_ties_in_confidence_follow_the_coders_rank(result_factory) -> None:  # type: ignore[no-untyped-def]
    from evaluation.gold import GoldChart, GoldCode

    chart = GoldChart(id="t", text="x", codes=[GoldCode(system="ICD-10-CM", code="I10")])
    # same confidence: the rank field decides; the gold code is ranked second
    result = result_factory([("ICD-10-CM", "E78.5", 0.7), ("ICD-10-CM", "I10", 0.7)])
    outcome = outcome_from_result(chart, result)
    assert [p.key[1] for p in outcome.ranked] == ["E78.5", "I10"]
    assert ranking_metrics([outcome])["map"] == pytest.approx(0.5)
    shuffled = result.model_copy(update={"suggestions": list(reversed(result.suggestions))})
    assert ranking_metrics([outcome_from_result(chart, shuffled)])["map"] == pytest.approx(0.5)
