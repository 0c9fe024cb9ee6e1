"""``WindowedContext`` links exactly the cues and mentions medSpaCy's ``ConText`` links."""

from __future__ import annotations

from typing import Any

import pytest
from medspacy.context import ConText

from nlp.assertions import CONTEXT_COMPONENT, DEFAULT_SCOPE, medspacy_rules
from nlp.extensions import MENTION_GROUP
from nlp.pipeline import ClinicalPipeline
from nlp.rules import context_rules
from nlp.windowed_context import WindowedContext

NOTES = [
    "No chest pain, no shortness of breath, but reports cough. History of hypertension. "
    "Mother had breast cancer. Denies fever or chills; possible pneumonia. If pain returns, "
    "return to clinic. Rule out pulmonary embolism. Patient is not diabetic. "
    "Family history: father with diabetes and hypertension. Status post appendectomy. "
    "No evidence of fracture, although swelling of the left knee persists.\n"
    "Assessment: hypertension, cough, knee pain. Plan: no change; denies headache.",
    "Denies nausea. " * 30 + "Has vomiting and diarrhea without fever. " * 10,
    # the one token-pattern cue ("-", "old": ``TokenSequences``) among phrase cues
    "A 3-day-old rash, no fever. A 40-year - old man denies cough; possible pneumonia. "
    "10-week-OLD knee pain, no swelling. History of hypertension. Mother had breast cancer.",
]


def _edges(doc: Any) -> list[tuple[int, int, int, int, str]]:
    return [
        (target.start, target.end, *modifier.modifier_span, modifier.category)
        for target, modifier in doc._.context_graph.edges
    ]


@pytest.mark.parametrize("text", NOTES)
def test_same_links_as_medspacy_context(pipeline: ClinicalPipeline, text: str) -> None:
    nlp = pipeline.nlp
    windowed = nlp.get_pipe(CONTEXT_COMPONENT)
    assert isinstance(windowed, WindowedContext)
    original = ConText(
        nlp,
        name="original",
        rules=None,
        input_span_type="group",
        span_group_name=MENTION_GROUP,
        span_attrs=None,
        max_scope=DEFAULT_SCOPE,
    )
    original.add(medspacy_rules(context_rules()))
    before = [name for name, _proc in nlp.pipeline if name != CONTEXT_COMPONENT]
    docs = []
    for component in (windowed, original):
        doc = nlp.make_doc(text)
        doc._.cac_sections = pipeline.sections.find(text)
        for name in before:
            doc = nlp.get_pipe(name)(doc) if name != "cac_sections" else doc
        docs.append(component(doc))
    ours, theirs = (_edges(doc) for doc in docs)
    assert len(docs[0].spans[MENTION_GROUP]) > 5 and len(theirs) > 3
    assert ours == theirs


def test_only_span_groups_are_read(pipeline: ClinicalPipeline) -> None:
    windowed = pipeline.nlp.get_pipe(CONTEXT_COMPONENT)
    with pytest.raises(ValueError, match="span group"):
        windowed(pipeline.nlp.make_doc("no pain"), targets="ents")
