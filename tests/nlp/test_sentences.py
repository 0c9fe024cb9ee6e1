"""Sentences: list items, headers, vitals lines and abbreviations with periods split right."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nlp.pipeline import ClinicalPipeline

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "sentences.jsonl").read_text().splitlines()
    if line.strip()
]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_sentences(pipeline: ClinicalPipeline, case: dict[str, Any]) -> None:
    text = case["text"]
    document = pipeline.process(text)
    assert [text[s:e] for s, e in document.sentences] == case["sentences"]


def test_token_sentences_match_character_sentences(pipeline: ClinicalPipeline) -> None:
    text = "HPI: cough.\n1. Fever\nBP 120/80"
    doc = pipeline.nlp(text)
    assert [s.text.strip() for s in doc.sents] == [text[s:e] for s, e in doc._.cac_sentences]
