"""Exact and partial phrase matching of mentions against every name of every code.

A phrase is reduced to its *token bag*: lower case, punctuation and filler words removed, plural
``s`` dropped, sorted. "Diabetes, type 2" (an index path) and "type 2 diabetes" (a note) share a
bag, which is most of what word-order-free clinical phrasing needs. When the whole bag misses, the
largest sub-bags that keep the mention's head word (its last word) are tried, so "severe plaque
psoriasis" still finds "plaque psoriasis".
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from codesets.model import Term

_WORD = re.compile(r"[a-z0-9]+")
_FILLER = frozenset(
    [
        "a",
        "an",
        "and",
        "or",
        "of",
        "the",
        "in",
        "on",
        "to",
        "at",
        "by",
        "for",
        "as",
        "is",
        "with",
        "nos",
        "nec",
        "unspecified",
        "due",
        "site",
        "not",
        "elsewhere",
        "classified",
    ]
)
_SPELLING = {"diabetic": "diabetes", "mellitu": "mellitus", "tumour": "tumor", "oedema": "edema"}
# Lower wins when two sources name the same bag: curated phrases beat index paths beat tabular.
_PRIORITY = {"lexicon": 0, "index": 1, "tabular": 2, "inclusion": 3}
_MAX_PARTIAL_WORDS = 7
# Words that qualify a condition but never name one on their own.
_MODIFIERS = frozenset(
    [
        "stage",
        "type",
        "grade",
        "left",
        "right",
        "bilateral",
        "acute",
        "chronic",
        "subacute",
        "severe",
        "mild",
        "moderate",
        "disease",
        "disorder",
        "syndrome",
        "history",
        "condition",
        "patient",
        "known",
        "likely",
        "possible",
        "recurrent",
        "primary",
        "secondary",
        "lower",
        "upper",
        "body",
        "part",
        "multiple",
        "small",
        "large",
        "new",
        "old",
        "status",
    ]
)


def words(text: str) -> list[str]:
    """The meaningful words of ``text`` in order, lower-cased and lightly stemmed."""
    return list(_words(text))


# the same mention texts, clauses and site words recur note after note: each is read once. Half
# the texts of a note are new (its clauses and the words before its mentions), so the loop is
# kept flat (stemming inline: 1.48 -> 1.06 us a text, 33 texts a note)
@lru_cache(maxsize=65_536)
def _words(text: str) -> tuple[str, ...]:
    found = _WORD.findall(text.lower())
    last = len(found) - 1
    kept: list[str] = []
    for i, word in enumerate(found):
        # a closing "a" names a type ("influenza A", "hemophilia A"), never an article
        if word in _FILLER and not (word == "a" and 0 < i == last):
            continue
        if len(word) > 4 and word[-1] == "s" and not word.endswith(("ss", "is", "us")):
            word = word[:-1]  # a plural
        kept.append(_SPELLING.get(word, word))
    return tuple(kept)


@lru_cache(maxsize=65_536)
def bag(text: str) -> tuple[str, ...]:
    """The sorted, de-duplicated word bag of ``text``."""
    return tuple(sorted(set(_words(text))))


@dataclass(frozen=True, slots=True)
class Match:
    """A code found for a phrase: the term it matched, its source and the share of words matched."""

    code: str
    term: str
    source: str
    score: float


class TermMatcher:
    """Token-bag dictionary from phrases to codes."""

    def __init__(self, table: dict[tuple[str, ...], tuple[str, str, str]]) -> None:
        self.table = table
        self._companions: dict[frozenset[str], frozenset[str]] = {}

    @classmethod
    def build(cls, terms: Iterable[Term], lexicon: Iterable[tuple[str, str]]) -> TermMatcher:
        """Index code names (``Term`` records) and curated ``(phrase, code)`` pairs."""
        table: dict[tuple[str, ...], tuple[str, str, str]] = {}
        ranks: dict[tuple[str, ...], int] = {}

        def add(text: str, code: str, source: str) -> None:
            key = bag(text)
            rank = _PRIORITY.get(source, 4)
            if key and (key not in ranks or rank < ranks[key]):
                table[key], ranks[key] = (code, text, source), rank

        for phrase, code in lexicon:
            add(phrase, code, "lexicon")
        for term in terms:
            if term.source in ("neoplasm", "drug", "eindex"):
                continue  # table rows need their column (behaviour, intent) to pick a code
            text = term.path or term.text
            add(text, term.code, term.source)
            if "(" in text:  # nonessential modifiers in parentheses may be absent from a note
                add(re.sub(r"\([^)]*\)", " ", text), term.code, term.source)
        return cls(table)

    def __len__(self) -> int:
        return len(self.table)

    def exact(self, text: str) -> Match | None:
        """The code whose name has exactly the words of ``text``."""
        hit = self.table.get(bag(text))
        return Match(hit[0], hit[1], hit[2], 1.0) if hit else None

    def narrow(self, required: str, pool: list[str]) -> list[str]:
        """The words of ``pool`` that some name holding every word of ``required`` also holds.

        ``exact(required + " " + " ".join(combination))`` can only hit when each word of the
        combination is in the name, so leaving the others out of the combinations tried gives
        the same first hit with far fewer lookups. Filler words are kept (they add nothing).
        """
        need = frozenset(words(required))
        known = self._companions.get(need)
        if known is None:
            known = frozenset(w for key in self.table if need.issubset(key) for w in key)
            self._companions[need] = known
        return [w for w in pool if w in _FILLER or all(part in known for part in words(w))]

    def partial(self, text: str) -> Match | None:
        """The code whose name covers most of ``text``'s words, preferring its head (last) noun.

        Only sub-bags with at least one content word are tried: "stage", "left" or "disease"
        alone name no condition.
        """
        ordered = words(text)
        content = [w for w in ordered if w.isalpha() and w not in _MODIFIERS]
        full = sorted(set(ordered))
        if not content or len(full) > _MAX_PARTIAL_WORDS or len(full) < 2:
            return None
        head = content[-1]
        for size in range(len(full) - 1, 0, -1):
            hits = []
            for combo in itertools.combinations(full, size):
                if not any(w in combo for w in content):
                    continue
                hit = self.table.get(combo)
                if hit:
                    hits.append((head in combo, hit))
            if hits:
                _, best = max(hits, key=lambda pair: pair[0])
                covered = len(set(bag(best[1])) & set(content)) / len(set(content))
                return Match(best[0], best[1], best[2], round(min(0.9, covered), 4))
        return None
