"""Mentions: terminology matches, word orders, attributes, abbreviations and their senses."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from nlp.mention import MentionLabel
from nlp.pipeline import ClinicalPipeline

DATA = Path(__file__).parent / "data"


def _cases(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


FOUND = _cases("mentions.jsonl")
ABSENT = _cases("not_mentions.jsonl")


@pytest.mark.parametrize("case", FOUND, ids=[c["text"][:45] for c in FOUND])
def test_mention(pipeline: ClinicalPipeline, case: dict[str, Any]) -> None:
    text = case["text"]
    document = pipeline.process(text)
    by_text = {m.text: m for m in document.mentions}
    assert case["mention"] in by_text, (case.get("why"), list(by_text))
    mention = by_text[case["mention"]]
    assert text[mention.start : mention.end] == mention.text
    assert mention.label == MentionLabel(case["label"])
    assert mention.concepts[0].code == case["code"], case.get("why")
    for name, value in case.get("attributes", {}).items():
        assert mention.attributes.get(name) == value, name
    assert mention.expansion == case.get("expansion", mention.expansion)
    if "expansion" in case:
        assert (mention.text, case["expansion"]) in {
            (a.short, a.long) for a in document.abbreviations
        }
    if "source" in case:
        assert mention.concepts[0].source == case["source"]
        assert mention.concepts[0].score < 1.0


@pytest.mark.parametrize("case", ABSENT, ids=[c["text"][:45] for c in ABSENT])
def test_not_a_mention(pipeline: ClinicalPipeline, case: dict[str, Any]) -> None:
    found = [m.text for m in pipeline.process(case["text"]).mentions]
    assert case["absent"] not in found, case["why"]


def test_text_defined_abbreviation_is_listed(pipeline: ClinicalPipeline) -> None:
    text = "Chronic obstructive pulmonary disease (COPD). COPD is stable."
    document = pipeline.process(text)
    defined = [(a.short, a.long, text[a.start : a.end]) for a in document.abbreviations]
    assert defined == [("COPD", "Chronic obstructive pulmonary disease", "COPD")] * 2


def test_mentions_do_not_overlap_and_keep_order(pipeline: ClinicalPipeline) -> None:
    text = "Denies chest pain or shortness of breath; HTN, CKD stage 3b and COPD."
    mentions = pipeline.process(text).mentions
    spans = [(m.start, m.end) for m in mentions]
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    assert [m.sentence_index for m in mentions] == [0] * len(mentions)
    # a modifier goes to its own mention, not to the neighbours in a list
    assert "stage" not in {k for m in mentions if m.text in ("HTN", "COPD") for k in m.attributes}


def test_concepts_name_their_source_and_score(pipeline: ClinicalPipeline) -> None:
    (mention,) = pipeline.process("Shortness of breath.").mentions
    concept = mention.concepts[0]
    assert (concept.system, concept.code, concept.source, concept.score) == (
        "ICD-10-CM",
        "R06.02",
        "tabular",
        1.0,
    )
