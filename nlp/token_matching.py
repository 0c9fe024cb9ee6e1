"""Token patterns matched on a doc's attribute array, as spaCy's ``Matcher`` would match them.

spaCy's ``Matcher`` makes a Python ``Token`` twice for every word of a doc on every call,
whatever its patterns are: on a note of 380 words that is about 0.1 ms a call. The patterns this
pipeline gives it are simple: plain sequences of exact ``ORTH``/``LOWER`` words (a ConText cue,
the short forms scispaCy's abbreviation detector looks for again) and scispaCy's "(", one to
eight words, ")". Those are found here on ``Doc.to_array`` with the ``Matcher``'s matches in its
own order: by end, then start, then pattern (the order in which they were added), each match
once; within one end, the parenthesis pattern's shorter match comes first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from spacy.attrs import LOWER, ORTH
from spacy.strings import StringStore
from spacy.tokens import Doc
from spacy.vocab import Vocab

_COLUMNS = {"ORTH": 0, "LOWER": 1}  # the columns of ``Doc.to_array([ORTH, LOWER])``
Match = tuple[int, int, int]  # match id, start token, end token
Steps = list[tuple[int, int]]  # per token: (column of ``_COLUMNS``, the value's hash)
# scispaCy's parenthesis pattern: "(", from one to this many words of any kind, ")"
_INSIDE = 8


class TokenSequences:
    """Plain word-sequence patterns (``plain_steps``), matched in the ``Matcher``'s order."""

    def __init__(self, patterns: list[tuple[int, Steps]]) -> None:
        # (match id, steps) in the order the Matcher was given them
        self.patterns = patterns

    def __call__(self, doc: Doc) -> list[Match]:
        """The matches in ``doc``: (match id, start, end), ordered by end, start, pattern."""
        if not self.patterns or len(doc) == 0:
            return []
        values = doc.to_array([ORTH, LOWER])
        found: list[tuple[int, int, int, int]] = []
        for order, (match_id, steps) in enumerate(self.patterns):
            starts = len(doc) - len(steps) + 1
            if starts <= 0:
                continue
            hit = np.ones(starts, dtype=bool)
            for offset, (column, value) in enumerate(steps):
                hit &= values[offset : offset + starts, column] == np.uint64(value)
            length = len(steps)
            found.extend((s + length, s, order, match_id) for s in np.flatnonzero(hit).tolist())
        found.sort()
        # one key given one pattern twice matches twice at the same place: the Matcher keeps one
        return list(dict.fromkeys((match_id, start, end) for end, start, _o, match_id in found))


def plain_steps(pattern: Any, strings: StringStore) -> Steps | None:
    """A token pattern's steps if it is a plain sequence: one exact ``ORTH`` or ``LOWER`` string
    per token (no operator, no set, no other attribute); None otherwise."""
    if not isinstance(pattern, list):
        return None
    steps: Steps = []
    for token in pattern:
        if not isinstance(token, dict) or len(token) != 1:
            return None
        ((name, value),) = token.items()
        column = _COLUMNS.get(name)
        if column is None or not isinstance(value, str):
            return None
        steps.append((column, strings.add(value)))
    return steps or None


class SequenceMatcher:
    """The part of spaCy's ``Matcher`` scispaCy's detector uses (``add``, ``remove``, ``vocab``
    and calls), for plain word sequences only."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self._patterns: list[tuple[int, Steps]] = []

    def add(self, key: str, patterns: list[Any], on_match: None = None) -> None:
        """Add ``patterns`` under ``key``; each must be a plain word sequence."""
        match_id = self.vocab.strings.add(key)
        for pattern in patterns:
            steps = plain_steps(pattern, self.vocab.strings)
            if steps is None or on_match is not None:
                raise ValueError("SequenceMatcher takes plain word sequences only")
            self._patterns.append((match_id, steps))

    def remove(self, key: str) -> None:
        """Remove every pattern of ``key`` (a ``ValueError`` if it has none, as the Matcher)."""
        match_id = self.vocab.strings[key]
        kept = [(m, steps) for m, steps in self._patterns if m != match_id]
        if len(kept) == len(self._patterns):
            raise ValueError(f"no patterns under {key!r}")
        self._patterns = kept

    def __call__(self, doc: Doc) -> list[Match]:
        """The matches in ``doc`` in the ``Matcher``'s order."""
        return TokenSequences(self._patterns)(doc)


class ParenthesisMatcher:
    """scispaCy's ``[{"ORTH": "("}, {"OP": "{1,8}"}, {"ORTH": ")"}]``, matched as the Matcher
    matches it: every "(" with every ")" one to eight words after it (any words, brackets too)."""

    def __init__(self, vocab: Vocab, key: str) -> None:
        self.match_id = vocab.strings.add(key)
        self._open = np.uint64(vocab.strings.add("("))
        self._close = np.uint64(vocab.strings.add(")"))

    def __call__(self, doc: Doc) -> list[Match]:
        """The matches in ``doc``: by end, then start from the nearest "(" back."""
        words = doc.to_array([ORTH]).reshape(-1)
        opens = set(np.flatnonzero(words == self._open).tolist())
        found: list[Match] = []
        if not opens:
            return found
        for end in np.flatnonzero(words == self._close).tolist():
            for start in range(end - 2, max(end - _INSIDE - 2, -1), -1):
                if start in opens:
                    found.append((self.match_id, start, end + 1))
        return found
