"""Word normalization shared by the terminology and the note: lower case, variants, plurals.

Both sides go through ``words()`` so a term and a note agree on what a word is: runs of letters
and digits (so "y/o" gives "y", "o" and "CKD-3b" gives "ckd", "3b"), British spellings and
adjectival forms mapped to one spelling ("oedema" -> "edema", "diabetic" -> "diabetes"), and a
light plural strip ("infections" -> "infection", "arteries" -> "artery") that spares singular
words ending in s, listed as variants of themselves ("diabetes", "herpes").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from nlp.rules import vocabulary

WORD = re.compile(r"[^\W_]+(?:'s)?", re.UNICODE)
_KEEP_S = ("ss", "us", "is", "ys", "as", "os")


@lru_cache(maxsize=1)
def _variants() -> dict[str, str]:
    return dict(vocabulary().variants)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Words left out of term keys (articles, prepositions, "unspecified")."""
    return frozenset(vocabulary().stop_words)


@lru_cache(maxsize=200_000)
def normalize_word(word: str) -> str:
    """The normalized form of one word (lower-cased already or not)."""
    w = word.lower()
    if w.endswith("'s"):
        w = w[:-2]
    variant = _variants().get(w)
    if variant is not None:
        return variant
    if len(w) > 4 and not w.isdigit():
        if w.endswith("ies"):
            w = w[:-3] + "y"
        elif w.endswith(("sses", "xes", "ches", "shes")):
            w = w[:-2]
        elif w.endswith("s") and not w.endswith(_KEEP_S):
            w = w[:-1]
    return _variants().get(w, w)


def words(text: str) -> Iterator[tuple[int, int, str]]:
    """Each word of ``text`` as (start, end, normalized form)."""
    for match in WORD.finditer(text):
        yield match.start(), match.end(), normalize_word(match.group())


def key_words(text: str) -> list[str]:
    """The normalized content words of a phrase, in order (stop words left out)."""
    stops = stop_words()
    return [w for _s, _e, w in words(text) if w not in stops]
