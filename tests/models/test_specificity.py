"""Leaf selection: laterality, acuity, stage, type, unspecified, 7th characters."""

from __future__ import annotations

from typing import Any

import pytest

from codesets.model import System
from models.specificity import refine, unspecified_with_detail

# (start code, attributes, expected leaf, expected words in a warning or "")
CASES = [
    ("M17.1", {"laterality": "right"}, "M17.11", ""),
    ("M17.1", {"laterality": "left"}, "M17.12", ""),
    ("M17.1", {}, "M17.10", ""),
    ("I50.2", {"acuity": "acute"}, "I50.21", ""),
    ("I50.2", {"acuity": "chronic"}, "I50.22", ""),
    ("I50.2", {"acuity": "acute on chronic"}, "I50.23", ""),
    ("I50.2", {}, "I50.20", ""),
    ("N18", {"stage": "3a"}, "N18.31", ""),
    ("N18", {"stage": "stage 5"}, "N18.5", ""),
    ("N18.3", {}, "N18.30", ""),
    ("S52.501", {"encounter": "subsequent"}, "S52.501D", ""),
    ("S52.501", {"encounter": "sequela"}, "S52.501S", ""),
    ("S52.501", {"encounter": "initial"}, "S52.501A", ""),
    ("S52.501", {}, "S52.501A", "assumed"),
    ("T14.8", {}, "T14.8XXA", "assumed"),
    ("I69.35", {"laterality": "right"}, "I69.351", ""),
    ("I69.35", {"laterality": "left"}, "I69.354", ""),
]


@pytest.mark.parametrize(("start", "attributes", "leaf", "warning"), CASES)
def test_refine_reaches_the_supported_leaf(
    codebook: Any, start: str, attributes: dict[str, str], leaf: str, warning: str
) -> None:
    refined = refine(codebook, start, attributes)
    assert refined.code == leaf
    record = codebook.get(System.ICD10CM, refined.code)
    assert record is not None and record.billable
    if warning:
        assert any(warning in line for line in refined.warnings)
    else:
        assert not refined.warnings


@pytest.mark.parametrize(
    ("code", "attributes", "restart"),
    [
        ("I50.9", {"type": "systolic"}, "I50"),
        ("I50.9", {}, "I50.9"),
        ("N18.9", {"stage": "4"}, "N18"),
        ("M25.569", {"laterality": "right"}, "M25.56"),
        ("E11.9", {"laterality": "right"}, "E11.9"),
        # K76.1 "Chronic passive congestion of liver" is another disease, not chronic K76.9
        ("K76.9", {"acuity": "chronic"}, "K76.9"),
    ],
)
def test_unspecified_leaf_is_rewalked_only_when_attributes_say_more(
    codebook: Any, code: str, attributes: dict[str, str], restart: str
) -> None:
    assert unspecified_with_detail(codebook, code, attributes) == restart


def test_a_non_billable_parent_is_never_suggested(engine_for: Any, spec: Any) -> None:
    engine = engine_for([spec("Fracture", attributes={"encounter": "initial"})])
    result = engine.code("Fracture after a fall.")
    assert result.suggestions
    assert all(s.billable for s in result.suggestions)
    assert result.suggestions[0].code == "T14.8XXA"
