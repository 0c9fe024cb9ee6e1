"""Offsets hold on awkward text, and bad input gets a clear error or an empty result."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from nlp.document import ClinicalDocument
from nlp.errors import InvalidNoteText
from nlp.pipeline import ClinicalPipeline

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "offsets.jsonl").read_text().splitlines()
    if line.strip()
]


def _check_offsets(document: ClinicalDocument) -> None:
    text = document.text
    for mention in document.mentions:
        assert text[mention.start : mention.end] == mention.text
        for cue in mention.assertion.cues:
            assert text[cue.start : cue.end] == cue.text
    for start, end in document.sentences:
        assert 0 <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
    for a in document.abbreviations:
        assert text[a.start : a.end] == a.short
    for section in document.sections:
        assert 0 <= section.header_start < section.header_end <= section.end <= len(text)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_offsets(pipeline: ClinicalPipeline, case: dict[str, Any]) -> None:
    document = pipeline.process(case["text"])
    _check_offsets(document)
    assert [m.text for m in document.mentions] == case["mentions"]


def test_crlf_sections_and_sentences(pipeline: ClinicalPipeline) -> None:
    text = "HPI: cough.\r\nPMH: HTN.\r\n"
    document = pipeline.process(text)
    assert [s.name for s in document.sections] == [
        "history_of_present_illness",
        "past_medical_history",
    ]
    assert [text[s:e] for s, e in document.sentences] == ["HPI:", "cough.", "PMH:", "HTN."]


@pytest.mark.parametrize("text", ["", " ", "\n\n\t  \r\n", "\u00a0\u2003"])
def test_empty_or_blank_text_gives_an_empty_document(pipeline: ClinicalPipeline, text: str) -> None:
    document = pipeline.process(text)
    assert (document.mentions, document.sentences, document.sections) == ([], [], [])


@pytest.mark.parametrize("value", [None, b"chest pain", 42, ["chest pain"]])
def test_non_text_is_a_clear_error(pipeline: ClinicalPipeline, value: Any) -> None:
    with pytest.raises(InvalidNoteText, match="must be text"):
        pipeline.process(value)


def test_binary_garbage_decoded_as_text(pipeline: ClinicalPipeline) -> None:
    rng = random.Random(7)
    garbage = bytes(rng.randrange(256) for _ in range(20_000))
    for text in (garbage.decode("utf-8", errors="replace"), garbage.decode("latin-1")):
        document = pipeline.process(text + " denies chest pain.")
        _check_offsets(document)
        assert document.mentions[-1].text == "chest pain"
        assert document.mentions[-1].assertion.negated


def test_lone_surrogates_do_not_crash(pipeline: ClinicalPipeline) -> None:
    text = b"fever \xed\xa0\x80 cough".decode("utf-8", errors="surrogateescape")
    _check_offsets(pipeline.process(text))


def test_one_megabyte_note_is_refused_clearly(pipeline: ClinicalPipeline) -> None:
    text = "HPI: denies chest pain. History of MI.\n" * 26_000
    assert len(text) > 1_000_000
    with pytest.raises(InvalidNoteText, match="the limit is"):
        pipeline.process(text)


@pytest.mark.slow
def test_note_at_the_size_limit(pipeline: ClinicalPipeline) -> None:
    from nlp.pipeline import MAX_NOTE_CHARS

    block = "HPI: denies chest pain. History of MI. Possible pneumonia.\nPlan: rest.\n"
    text = (block * (MAX_NOTE_CHARS // len(block) + 1))[:MAX_NOTE_CHARS]
    document = pipeline.process(text)
    _check_offsets(document)
    assert {m.assertion.label for m in document.mentions} == {"negated", "historical", "uncertain"}
    assert document.mentions[-1].end > MAX_NOTE_CHARS - len(block)


def test_long_note_is_chunked_without_losing_offsets(pipeline: ClinicalPipeline) -> None:
    block = "PMH: HTN.\nHPI: denies chest pain; fever present.\n"
    text = block * 200  # past the chunk size
    document = pipeline.process(text)
    _check_offsets(document)
    assert len(document.mentions) == 3 * 200
    assert {m.section for m in document.mentions if m.text == "HTN"} == {"past_medical_history"}
    assert [m.sentence_index for m in document.mentions] == sorted(
        m.sentence_index for m in document.mentions
    )
