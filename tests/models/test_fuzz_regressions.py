"""Regressions for what fuzzing the coder found.

- A "history of" cue's offsets covered its trailing blank while its text did not.
- Reading the words before each mention searched the whole line: quadratic on one long line.
- Merging a candidate's evidence one mention at a time was quadratic (5,000 mentions: 12 s).
- Reading a neoplasm's clause went back to the note's start and on to its end for each mention.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from codesets.model import System
from models.candidate import Candidate, Span
from models.candidates import context_of
from models.guidelines import with_history_cue
from models.neoplasm import read_site
from nlp.mention import Mention

BOUND_S = 3.0


def at(mention: Mention, start: int) -> Mention:
    """``mention`` moved to ``start`` (the same words further on in a repetitive note)."""
    return replace(mention, start=start, end=start + len(mention.text))


def test_a_history_cue_has_exact_offsets(mentions_of: Any, spec: Any) -> None:
    note = "Pt has a history of   pulmonary embolism."
    [mention] = mentions_of(note, [spec("pulmonary embolism")])
    cue = with_history_cue(note, mention).assertion.cues[-1]
    assert (cue.category, cue.text) == ("historical", "history of")
    assert note[cue.start : cue.end] == cue.text


def test_context_on_one_long_line_reads_back_a_bounded_stretch(mentions_of: Any, spec: Any) -> None:
    note = "pain " * 20_000 + "severe chest pain"
    [first, last] = mentions_of(note, [spec("pain"), spec("chest pain")])
    mentions = [*(at(first, 5 * k) for k in range(20_000)), last]
    started = time.perf_counter()
    contexts = [context_of(note, m) for m in mentions]
    history = [with_history_cue(note, m) for m in mentions]
    assert time.perf_counter() - started < BOUND_S
    assert ("pain severe chest pain", len(note) - 22, len(note)) in contexts[-1].readings
    assert history[-1] is mentions[-1]


def test_merging_thousands_of_mentions_is_linear(mentions_of: Any, spec: Any) -> None:
    note = "chest pain, " * 10_000
    [first_mention] = mentions_of(note, [spec("chest pain")])
    mentions = [at(first_mention, 12 * k) for k in range(10_000)]
    candidates = [
        Candidate(System.ICD10CM, "R07.9", [Span.of(m)], "exact:tabular", 1.0, mentions=[m])
        for m in mentions
    ]
    first, *rest = candidates
    started = time.perf_counter()
    first.merge_all([*rest, *rest])  # each one twice: the second time adds nothing
    assert time.perf_counter() - started < BOUND_S
    assert len(first.spans) == len(first.mentions) == 10_000
    assert first.mentions == mentions


def test_neoplasm_sites_read_a_bounded_clause() -> None:
    # each mention read the words of its clause back to the note's start (and on to its end)
    note = "carcinoma " * 15_000 + "carcinoma of the left breast."
    started = time.perf_counter()
    sites = [read_site(note, k, k + 9, "malignant_primary") for k in range(0, 150_000, 50)]
    assert time.perf_counter() - started < BOUND_S
    assert not any(sites)
    last = read_site(note, 150_000, 150_009, "malignant_primary")
    assert last is not None and last.code.startswith("C50")
