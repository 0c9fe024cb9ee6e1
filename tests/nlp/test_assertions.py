"""Assertions: each category with its cues, and the places where a cue's scope ends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nlp.pipeline import ClinicalPipeline

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "assertions.jsonl").read_text().splitlines()
    if line.strip()
]


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:45] for c in CASES])
def test_assertion(pipeline: ClinicalPipeline, case: dict[str, Any]) -> None:
    text = case["text"]
    start = text.index(case["target"])
    (assertion,) = pipeline.assess(text, [(start, start + len(case["target"]))])
    assert assertion.label == case["label"], case.get("why")
    assert [(c.category, c.text) for c in assertion.cues] == [tuple(c) for c in case["cues"]]
    for cue in assertion.cues:
        assert text[cue.start : cue.end] == cue.text
    for flag, value in case.get("flags", {}).items():
        assert getattr(assertion, flag) is value


def test_process_sets_assertions_on_mentions(pipeline: ClinicalPipeline) -> None:
    text = "HPI: denies chest pain. Rule out PE. Mother had breast cancer. History of MI."
    labels = {m.text: m.assertion.label for m in pipeline.process(text).mentions}
    assert labels == {
        "chest pain": "negated",
        "PE": "uncertain",
        "breast cancer": "family",
        "MI": "historical",
    }


def test_same_words_without_cues_are_present(pipeline: ClinicalPipeline) -> None:
    text = "Chest pain. PE. Breast cancer. Acute MI."
    mentions = pipeline.process(text).mentions
    assert {m.text: m.assertion.label for m in mentions} == dict.fromkeys(
        ["Chest pain", "PE", "Breast cancer", "MI"], "present"
    )
    assert mentions[-1].attributes["acuity"] == "acute"


def test_assess_rejects_a_target_outside_the_text(pipeline: ClinicalPipeline) -> None:
    from nlp.errors import InvalidNoteText

    with pytest.raises(InvalidNoteText):
        pipeline.assess("short", [(2, 99)])
