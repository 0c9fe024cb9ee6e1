"""The tokenizer: slashes split, and the bounded suffix search used only where it matters."""

from __future__ import annotations

import spacy

from nlp.components import RunBoundedTokenizer, configure_tokenizer

# runs of suffix characters and closing marks up to the window's length (100), where the plain
# search and the bounded one must cut the same tokens
_SHORT_RUNS = [
    "62 y/o man s/p CABG, N/V today.",
    "fever" + ")" * 95 + " and cough.",
    "pain" + "." * 96,
    "x" * 60 + "'s" + "%" * 38,
    "BP 120/80mmHg... HR 88bpm!!!",
    "\n" * 100 + "Plan:" + " " * 100 + "rest.",
]
_LONG_RUNS = ["fever" + ")" * 200, "pain" + "." * 150 + " ok", "a" * 101, "\n" * 101 + "x"]


def _tokenizer() -> RunBoundedTokenizer:
    nlp = spacy.blank("en")
    configure_tokenizer(nlp)
    assert isinstance(nlp.tokenizer, RunBoundedTokenizer)
    return nlp.tokenizer


def test_slashes_split_into_words() -> None:
    assert [t.text for t in _tokenizer()("62 y/o s/p")] == ["62", "y", "/", "o", "s", "/", "p"]


def test_runs_within_the_window_cut_the_same_tokens_either_way() -> None:
    tokenizer = _tokenizer()
    bounded = tokenizer._make_bounded()
    for text in _SHORT_RUNS:
        assert [t.text for t in tokenizer(text)] == [t.text for t in bounded(text)], text
    assert tokenizer._bounded is None  # none of these needed the bounded search


def test_a_run_longer_than_the_window_uses_the_bounded_search() -> None:
    tokenizer = _tokenizer()
    for text in _LONG_RUNS:
        doc = tokenizer(text)
        assert doc.text == text
    assert tokenizer._bounded is not None
