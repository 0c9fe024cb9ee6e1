"""Mention finding: terminology word-bag windows, abbreviations and their expansions.

One pass over the note's words: at each content word known to the terminology, the window grows
while its words stay known (stop words may sit inside it, punctuation that ends a phrase may
not), and the longest window whose sorted words are a key becomes a mention. Abbreviations
("HTN", "N/V", text-defined ones) are matched case-sensitively with one expression, resolved to
the sense their section allows ("PE" in the exam is not a pulmonary embolism), and take the
concepts of their expansion.
"""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz.distance import OSA
from rapidfuzz.process import extractOne

from codesets.model import System
from nlp.document import Abbreviation, Section
from nlp.mention import ConceptMatch, MentionLabel
from nlp.normalize import WORD, key_words, normalize_word, stop_words
from nlp.rules import AbbreviationLexicon, vocabulary
from nlp.terminology import TermIndex, bag_of

MAX_CONCEPTS = 25
_BREAK = re.compile(r"[.;:!?()\[\]|,\n\r]")
_FUZZY_MIN_LENGTH = 7
_SIDES = frozenset(["left", "right", "bilateral"])
_FUZZY_SCORE = 0.85
# what a window does at a word: skips a stop word, ends at an unknown word, grows by a term word
_STOP_WORD, _UNKNOWN_WORD, _TERM_WORD = 0, 1, 2


@dataclass(slots=True)
class Found:
    """A mention before assertions: offsets, label, concepts and the abbreviation expansion."""

    start: int
    end: int
    label: MentionLabel
    concepts: tuple[ConceptMatch, ...]
    expansion: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


class MentionFinder:
    """Finds mentions in text with a ``TermIndex`` and the abbreviation lexicon."""

    def __init__(
        self, index: TermIndex, lexicon: AbbreviationLexicon, *, fuzzy: bool = True
    ) -> None:
        self.index = index
        self.fuzzy = fuzzy
        self._stops = stop_words()
        self._symptom_words = frozenset(vocabulary().symptom_words)
        self._senses = {entry.short: entry for entry in lexicon.abbreviations}
        self._shorts_lower = {entry.short.lower() for entry in lexicon.abbreviations}
        exact = sorted((e.short for e in lexicon.abbreviations if not e.any_case), key=len)
        loose = sorted((e.short for e in lexicon.abbreviations if e.any_case), key=len)
        self._loose = {e.short.lower(): e.short for e in lexicon.abbreviations if e.any_case}
        self._exact_re = _alternation(exact[::-1], 0)
        self._loose_re = _alternation(loose[::-1], re.IGNORECASE)
        self._near = _near_indexes(index.vocabulary) if fuzzy else {}

    def find(
        self,
        text: str,
        sections: list[Section],
        defined: list[Abbreviation],
    ) -> list[Found]:
        """Every mention of ``text``, in order, without overlaps (longest first)."""
        starts = [s.start for s in sections]
        found = self._abbreviations(text, sections, starts, defined)
        taken = [(f.start, f.end) for f in found]
        found.extend(self._terms(text, taken))
        found.sort(key=lambda f: (f.start, f.start - f.end))
        kept: list[Found] = []
        for item in found:
            if kept and item.start < kept[-1].end:
                continue
            kept.append(item)
        return kept

    # --- terminology windows -------------------------------------------------------------
    def _terms(self, text: str, taken: list[tuple[int, int]]) -> list[Found]:
        spans = [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]
        # a phrase-ending mark between the previous word and this one (no word holds a mark)
        breaks = [False] * len(spans)
        starts = [start for start, _end, _word in spans]
        for mark in _BREAK.finditer(text):
            following = bisect_right(starts, mark.start())
            if following < len(spans):
                breaks[following] = True
        # each word's form, correction and kind (cached with the form) and whether a window ends
        # before it, found once, not in every window that reaches the word (up to ``limit`` of
        # them): the word windows took 0.68 ms a note, now 0.59
        read = [self._read(w) for _s, _e, w in spans]
        norms, fuzzy, kinds = zip(*read, strict=True) if read else ((), (), ())
        lookup = self.index.table.get  # ``TermIndex.lookup`` without a call per word
        limit = self.index.max_words
        blocked = _blocked(spans, taken)
        ends = [mark or taken_by for mark, taken_by in zip(breaks, blocked, strict=True)]
        results: list[Found] = []
        i, n = 0, len(norms)
        while i < n:
            if kinds[i] != _TERM_WORD or blocked[i]:
                i += 1
                continue
            best: tuple[int, tuple[int, ...], tuple[str, ...]] | None = None
            content: list[str] = []
            distinct: list[str] = []  # ``bag_of(content)`` kept up to date word by word
            whole: tuple[int, ...] = ()
            sided = False  # ``content`` holds a side
            j = i
            while j < n and len(content) < limit:
                if j > i and ends[j]:
                    break
                kind = kinds[j]
                if kind == _STOP_WORD:
                    j += 1
                    continue
                if kind == _UNKNOWN_WORD:
                    break
                wj = norms[j]
                content.append(wj)
                if wj not in distinct:  # a repeated word leaves the bag as it was
                    insort(distinct, wj)
                    whole = lookup(tuple(distinct), ())
                ids = whole
                side = wj in _SIDES
                sided = sided or side
                if not ids and not side and sided:
                    # "sprain of left ankle": the side is an attribute, not a word of the term
                    ids = lookup(bag_of(w for w in content if w not in _SIDES), ())
                if ids:
                    best = (j, ids, tuple(content))
                j += 1
            if best is None:
                i += 1
                continue
            last, ids, ordered = best
            if last == i and spans[i][2].lower() in self._shorts_lower:
                i += 1  # a bare abbreviation is resolved by the lexicon, with its section
                continue
            was_fuzzy = any(fuzzy[i : last + 1])
            concepts = self._concepts(ids, ordered, "fuzzy" if was_fuzzy else None)
            results.append(
                Found(spans[i][0], spans[last][1], self._label(concepts, ordered), concepts)
            )
            i = last + 1
        return results

    @lru_cache(maxsize=200_000)  # noqa: B019 - one finder per pipeline, kept for the process
    def _read(self, word: str) -> tuple[str, bool, int]:
        """A word's normalized form, spelling-corrected when unknown; whether it was corrected;
        its kind (``_STOP_WORD``, ``_UNKNOWN_WORD`` or ``_TERM_WORD``)."""
        norm, fixed = self._spelled(normalize_word(word))
        if norm in self._stops:
            return norm, fixed, _STOP_WORD
        return norm, fixed, _TERM_WORD if norm in self.index.vocabulary else _UNKNOWN_WORD

    def _spelled(self, norm: str) -> tuple[str, bool]:
        # a normalized word, spelling-corrected when unknown; whether it was corrected
        if (
            not self.fuzzy
            or len(norm) < _FUZZY_MIN_LENGTH
            or norm in self.index.vocabulary
            or not norm.isalpha()
        ):
            return norm, False
        near = self._near.get((norm[0], len(norm)))
        fixed = near.first_within_one(norm) if near is not None else None
        return (norm, False) if fixed is None else (fixed, True)

    def _concepts(
        self, ids: tuple[int, ...], ordered: tuple[str, ...], source: str | None
    ) -> tuple[ConceptMatch, ...]:
        concepts: list[ConceptMatch] = []
        for entry_id in ids[:MAX_CONCEPTS]:
            system, code, term, term_source, term_words = self.index.entries[entry_id]
            score = 1.0 if term_words == tuple(dict.fromkeys(ordered)) else 0.9
            if source == "fuzzy":
                score = min(score, _FUZZY_SCORE)
            concepts.append(ConceptMatch(system, code, term, source or term_source, score))
        # kept in the index's order: residual "Other ..." codes last, tabular names first
        return tuple(concepts)

    def _label(self, concepts: tuple[ConceptMatch, ...], ordered: tuple[str, ...]) -> MentionLabel:
        first = concepts[0] if concepts else None
        if first is not None and first.source == "drug":
            return MentionLabel.DRUG  # the Table of Drugs names substances, not conditions
        if first is not None and first.system in (System.CPT, System.HCPCS):
            if first.system == System.HCPCS and first.code.startswith("J"):
                return MentionLabel.DRUG
            return MentionLabel.PROCEDURE
        icd = [c.code for c in concepts if c.system == System.ICD10CM]
        if (icd and icd[0].startswith("R")) or any(w in self._symptom_words for w in ordered):
            return MentionLabel.SYMPTOM
        return MentionLabel.PROBLEM

    # --- abbreviations -------------------------------------------------------------------
    def _abbreviations(
        self, text: str, sections: list[Section], starts: list[int], defined: list[Abbreviation]
    ) -> list[Found]:
        results: list[Found] = []
        in_text = {a.start: a for a in defined}
        for a in defined:
            resolved = self._expansion(a.long)
            if resolved is not None:
                results.append(Found(a.start, a.end, resolved[0], resolved[1], a.long))
        for pattern in (self._exact_re, self._loose_re):
            if pattern is None:
                continue
            for match in pattern.finditer(text):
                if match.start() in in_text:
                    continue
                short = match.group()
                entry = self._senses.get(short) or self._senses.get(
                    self._loose.get(short.lower(), "")
                )
                if entry is None:
                    continue
                section = _section_name(sections, starts, match.start())
                for sense in entry.senses:
                    if sense.only_in and section not in sense.only_in:
                        continue
                    if section is not None and section in sense.not_in:
                        continue
                    resolved = self._expansion(sense.expansion)
                    if resolved is not None:
                        label, concepts = resolved
                        results.append(
                            Found(match.start(), match.end(), label, concepts, sense.expansion)
                        )
                        break
        return results

    def _expansion(self, expansion: str) -> tuple[MentionLabel, tuple[ConceptMatch, ...]] | None:
        ordered = tuple(key_words(expansion))
        ids = self.index.lookup(bag_of(ordered))
        if not ids:
            return None
        found = self._concepts(ids, ordered, None)
        return self._label(found, ordered), tuple(
            ConceptMatch(c.system, c.code, c.term, "abbreviation", round(c.score * 0.95, 4))
            for c in found
        )


def _near_indexes(vocabulary: frozenset[str]) -> dict[tuple[str, int], _NearIndex]:
    """A ``_NearIndex`` for each (first letter, length) a misspelling can have, built at load
    (0.1-0.2 s) rather than by the first notes that need each one. Words are taken in sorted
    order, so the first of equally near words is the same in every process (a set's order
    changes with the interpreter's hash seed)."""
    buckets: dict[tuple[str, int], list[str]] = {}
    for word in sorted(vocabulary):
        if len(word) >= _FUZZY_MIN_LENGTH - 1 and word.isalpha():
            buckets.setdefault((word[0], len(word)), []).append(word)
    wanted = {(first, length + step) for first, length in buckets for step in (-1, 0, 1)}
    indexes: dict[tuple[str, int], _NearIndex] = {}
    for first, length in sorted(wanted):
        choices = [w for n in (length - 1, length, length + 1) for w in buckets.get((first, n), ())]
        if length >= _FUZZY_MIN_LENGTH and choices:
            indexes[first, length] = _NearIndex(choices, _shared_length(length))
    return indexes


def _shared_length(length: int) -> int:
    # one edit (substitution, transposition, insertion or deletion) at position i leaves the
    # first i and the last length-i-2 (or more) letters in place: one side keeps this many
    return (length - 2) // 2


class _NearIndex:
    """Fuzzy candidates of one (first letter, length): the words within one edit, in order.

    ``first_within_one`` returns what ``rapidfuzz.process.extractOne(word, choices,
    scorer=OSA.distance, score_cutoff=1)`` returns (the word itself if it is a choice, else the
    first choice at distance 1), but measures only the choices that share the word's first or
    last ``shared`` letters: any word one edit away does (``_shared_length``). Each of those two
    groups is measured by one ``extractOne``, whose loop is in C (a Python call per choice took
    0.06 ms a note, this 0.04), and the nearer, then earlier, of their two answers is the answer.
    """

    __slots__ = ("by_end", "by_start", "choices", "shared")

    def __init__(self, choices: list[str], shared: int) -> None:
        self.choices = choices
        self.shared = shared
        # affix -> {position in ``choices``: choice} of the choices with it, in choice order (a
        # mapping: ``extractOne`` then gives the position of what it found)
        self.by_start: dict[str, dict[int, str]] = {}
        self.by_end: dict[str, dict[int, str]] = {}
        by_start, by_end = self.by_start, self.by_end
        for k, choice in enumerate(choices):
            group = by_start.get(choice[:shared])
            if group is None:
                group = by_start[choice[:shared]] = {}
            group[k] = choice
            group = by_end.get(choice[-shared:])
            if group is None:
                group = by_end[choice[-shared:]] = {}
            group[k] = choice

    def first_within_one(self, word: str) -> str | None:
        """The nearest choice at most one edit from ``word`` (the first of equals), or None."""
        best: tuple[float, int] | None = None  # (distance, position in ``choices``)
        for table, affix in (
            (self.by_start, word[: self.shared]),
            (self.by_end, word[-self.shared :]),
        ):
            group = table.get(affix)
            if group is None:
                continue
            # the group's nearest choice, the first of equals (``extractOne`` keeps the first)
            hit = extractOne(word, group, scorer=OSA.distance, score_cutoff=1)
            if hit is not None and (best is None or (hit[1], hit[2]) < best):
                best = (hit[1], hit[2])
        return None if best is None else self.choices[best[1]]


def _alternation(shorts: list[str], flags: int) -> re.Pattern[str] | None:
    # "A(?:BC|B)|B(?:...)": one branch per first character, each keeping the given order (longest
    # first), so the engine tests a few first characters at each position instead of every
    # abbreviation; only one group can match at a position, so the first match is the same
    # (ignoring case, only ASCII first characters are grouped: U+017F matches "s" too)
    if not shorts:
        return None
    loose = bool(flags & re.IGNORECASE)
    if loose and not all(short[0].isascii() for short in shorts):
        groups = [[short] for short in shorts]
    else:
        by_first: dict[str, list[str]] = {}
        for short in shorts:
            by_first.setdefault(short[0].lower() if loose else short[0], []).append(short)
        groups = list(by_first.values())
    # the character before the match is not a word's: tested first when ignoring case (it fails
    # at once inside a word); with case, tested after the first character (``(?<!X.)``), where
    # the engine can skip to the positions of a first character in C: 0.03 ms a note, not 0.06
    before, after = (r"(?<![\w/&-])", "") if loose else ("", r"(?<![\w/&-](?s:.))")
    body = "|".join(
        re.escape(members[0][0]) + after + "(?:" + "|".join(re.escape(m[1:]) for m in members) + ")"
        for members in groups
    )
    return re.compile(rf"{before}(?:{body})(?![\w/&]|-\w)", flags)


def _blocked(spans: list[tuple[int, int, str]], taken: list[tuple[int, int]]) -> list[bool]:
    blocked = [False] * len(spans)
    if not taken:
        return blocked
    starts = [s for s, _e, _w in spans]
    for start, end in taken:
        k = bisect_right(starts, start) - 1
        k = max(k, 0)
        while k < len(spans) and spans[k][0] < end:
            if spans[k][1] > start:
                blocked[k] = True
            k += 1
    return blocked


def _section_name(sections: list[Section], starts: list[int], offset: int) -> str | None:
    k = bisect_right(starts, offset) - 1
    if k < 0 or offset >= sections[k].end:
        return None
    return sections[k].name
