"""Documentation queries for gaps worth asking the physician about."""

from __future__ import annotations

from typing import Any

import pytest

# (note, mention phrase, attributes, expected topics)
CASES = [
    ("Diabetes, on metformin.", "Diabetes", {}, {"diabetes_type"}),
    ("Type 2 diabetes, on metformin.", "Type 2 diabetes", {}, set()),
    ("Diabetes mellitus type 2.", "Diabetes mellitus", {}, set()),
    ("Diabetes.", "Diabetes", {"type": "type 1"}, set()),
    ("CHF, stable.", "CHF", {}, {"heart_failure_type", "heart_failure_acuity"}),
    ("Chronic systolic CHF.", "CHF", {}, set()),
    ("CKD, follow up.", "CKD", {}, {"ckd_stage"}),
    ("CKD stage 3b.", "CKD", {}, set()),
]


@pytest.mark.parametrize(("text", "phrase", "attributes", "topics"), CASES)
def test_documentation_queries(
    engine_for: Any,
    spec: Any,
    text: str,
    phrase: str,
    attributes: dict[str, str],
    topics: set[str],
) -> None:
    result = engine_for([spec(phrase, attributes=attributes)]).code(text)
    assert {q.topic for q in result.documentation_queries} == topics
    for query in result.documentation_queries:
        assert all(text[e.start : e.end] == e.text for e in query.evidence)


def test_negated_mention_raises_no_query(engine_for: Any, spec: Any) -> None:
    result = engine_for([spec("diabetes", flags=("negated",))]).code("No diabetes.")
    assert not result.documentation_queries
