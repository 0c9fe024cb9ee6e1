"""Run a regular expression only where a match can start: at its literal prefixes.

Case-insensitive patterns run one by one over a whole note cost about the same whether they
match or not: Python's engine tries every position, and under IGNORECASE it has no literal
prefix to search for. ``GatedPattern`` reads from the pattern's parse tree a few lower-case
strings one of which every match must start with (``\\bcbc\\b`` -> "cbc", ``(?:knee|hip)
injection`` -> "knee", "hip "), finds them in the text folded once by ``fold`` (``str.find``, a
fast substring search) and tries the pattern only there, in order, resuming after each match as
``finditer`` does: the matches are exactly ``finditer``'s, since it could find none elsewhere. A
pattern whose matches need not start with such a string (``\\d``, a character range, an optional
first word that may be empty), a text whose folding changes its length, and a text holding its
prefixes too often fall back to ``finditer`` itself.

Why folding the text with ``str.lower`` is enough: under IGNORECASE an ASCII character of a
pattern matches its two ASCII cases and, for four letters, one non-ASCII character each
(U+0130 and U+0131 match "i", U+017F "s", U+212A "k"); ``fold`` maps those four to their ASCII
letter before lower-casing, so every match becomes, in the folded text, the lower-cased literal
characters it started with. Non-ASCII literals in a pattern are not used as prefixes.

The patterns of one rule file are gated together (``PatternSet``): one regular-expression pass
over the folded note finds, at each position, the longest prefix of any of them that occurs
there; every other prefix occurring at that position is a prefix of that one, so each pattern
gets the same starts a search for each of its prefixes would give (two passes per prefix and
pattern before: 0.8 ms of a 9 ms note). The pass's expression is a trie of the prefixes (one
branch per character at each depth), so a position is tried against a few characters rather than
every prefix of its first letter (0.29 -> 0.25 ms over the 407-word benchmark note). Sets whose
scans ``share_scans`` joins (the attribute, procedure, E/M and status cue rules) are found
together in one pass over a note, which each thread keeps for the next set that asks for the same
text: one pass instead of four.

A pattern left to run over the whole note (no usable prefix, or too many starts) is first checked
for its required literals (``required_literals``): groups of strings such that every match holds
one string of each group, such as "total" or "spent" in the E/M total-time pattern and "&" in
"I&D". When the folded note holds no string of some group, the pattern cannot match and is not run
(by the argument above, a match's literal characters are, folded, those strings): 0.1 ms of the
benchmark note's 0.45 ms of whole-note patterns.
"""

from __future__ import annotations

import re
import re._parser as _parser  # the stdlib's own parse tree (sre_parse, deprecated name)
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_FOLDED = re.compile("[\u0130\u0131\u017f\u212a]")
# prefixes longer than this add little selectivity; more of them than the cap are not worth
# testing one by one
_PREFIX_CHARS = 4
_MAX_PREFIXES = 48
# more candidate starts than this: one ``finditer`` over the text is cheaper
_MAX_STARTS = 40
_Items = list[tuple[Any, Any]]


def fold(text: str) -> str:
    """``text`` as ``PatternSet.scan`` reads it (lower case, see the module text)."""
    # a text without the four characters ``_FOLD`` maps needs no translation (a dictionary
    # lookup per character); an ASCII one (``isascii`` reads a flag of the string) has none
    if text.isascii() or _FOLDED.search(text) is None:
        return text.lower()
    return text.translate(_FOLD).lower()


class GatedPattern:
    """A compiled pattern with the literal prefixes every one of its matches starts with."""

    __slots__ = ("pattern", "prefixes", "required")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        items = _parsed(pattern)  # parsed once for both (0.23 s of parsing at load otherwise)
        self.prefixes = _prefixes_of(items)
        self.required = _required_of(items)


class PatternSet:
    """Gated patterns whose prefixes are found together, in one pass over the folded note."""

    def __init__(self, patterns: Iterable[GatedPattern]) -> None:
        self.patterns = tuple(patterns)
        self._index = {id(gated): k for k, gated in enumerate(self.patterns)}
        # A one-letter prefix ("i", "l", "r" of "I&D", "L knee", "R arm") occurs hundreds of
        # times in a note: finding each was four fifths of the pass, and its pattern then ran
        # over the whole note anyway (more than ``_MAX_STARTS`` starts). Such a pattern is run
        # over the whole note from the start.
        self._gated = [
            gated.prefixes if gated.prefixes and min(map(len, gated.prefixes)) > 1 else None
            for gated in self.patterns
        ]
        prefixes = sorted({p for own in self._gated for p in own or ()})
        # the patterns that have a prefix occurring where ``longest`` is the longest one found
        self._owners = {
            longest: tuple(
                k
                for k, own in enumerate(self._gated)
                if any(longest.startswith(p) for p in own or ())
            )
            for longest in prefixes
        }
        self._scan = _prefix_trie(prefixes)
        self._shared: _SharedScan | None = None

    def scan(self, text: str) -> Scanned:
        """Where each pattern may match in ``text``."""
        if self._shared is not None:
            return self._shared.scan(text)
        return self._scan_alone(text)

    def _scan_alone(self, text: str) -> Scanned:
        starts: list[list[int] | None] = [None] * len(self.patterns)
        folded = fold(text)
        if len(folded) != len(text):
            return Scanned(text, starts, self._index, None)
        if self._scan is not None:
            for k, prefixes in enumerate(self._gated):
                if prefixes is not None:
                    starts[k] = []
            for match in self._scan.finditer(folded):
                at = match.start()
                for k in self._owners[match.group(1)]:
                    found = starts[k]
                    if found is not None:
                        found.append(at)
        return Scanned(text, starts, self._index, folded)


def share_scans(*sets: PatternSet) -> None:
    """Let ``sets`` find their prefixes in one pass over a text (see the module text)."""
    shared = _SharedScan(PatternSet(gated for each in sets for gated in each.patterns))
    for each in sets:
        each._shared = shared


class _SharedScan:
    """One set's scan of all the joined sets' patterns, kept per thread for its last text."""

    def __init__(self, union: PatternSet) -> None:
        self.union = union
        self._last = threading.local()

    def scan(self, text: str) -> Scanned:
        last: Scanned | None = getattr(self._last, "scanned", None)
        if last is None or last.text != text:
            # a thread codes one note at a time: its sets ask for the same text in a row
            last = self._last.scanned = self.union._scan_alone(text)
        return last


@dataclass(frozen=True, slots=True)
class Scanned:
    """One note and the starts ``PatternSet.scan`` found in it for each of its patterns."""

    text: str
    starts: list[list[int] | None]  # None: the pattern is tried over the whole note
    index: dict[int, int]
    folded: str | None  # ``fold(text)``; None when folding changed the text's length

    def finditer(self, gated: GatedPattern) -> Iterator[re.Match[str]]:
        """``gated.pattern.finditer(self.text)``'s matches (``gated`` must be of the set)."""
        starts = self.starts[self.index[id(gated)]]
        if starts is None or len(starts) > _MAX_STARTS:
            if self._lacks(gated.required):
                return  # some literal every match holds is nowhere in the note
            yield from gated.pattern.finditer(self.text)  # one scan costs less than many tries
            return
        end = 0
        for start in starts:
            if start < end:
                continue
            match = gated.pattern.match(self.text, start)
            if match is not None:
                yield match
                end = match.end()  # never empty: it holds a prefix

    def _lacks(self, required: tuple[frozenset[str], ...]) -> bool:
        # whether the folded note holds no string of one of the groups
        folded = self.folded
        if folded is None:
            return False
        return not all(any(s in folded for s in group) for group in required)


def _prefix_trie(prefixes: list[str]) -> re.Pattern[str] | None:
    # a zero-width look-ahead finds every position; its group is the longest prefix occurring
    # there: the branches at a node start with different characters, and where a prefix ends
    # at a node the longer ones below it are optional (greedy: tried first)
    if not prefixes:
        return None
    return re.compile(f"(?=({_trie(prefixes)}))")


def _trie(words: list[str]) -> str:
    # an expression matching exactly ``words`` ("" among them: the rest is optional)
    by_first: dict[str, list[str]] = {}
    for word in words:
        if word:
            by_first.setdefault(word[0], []).append(word[1:])
    branches = [re.escape(first) + _trie(rest) for first, rest in by_first.items()]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in words else body


def _parsed(pattern: re.Pattern[str]) -> _Items:
    return list(_parser.parse(pattern.pattern, pattern.flags).data)


def literal_prefixes(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-case strings one of which starts every match of ``pattern``; None when unknown."""
    return _prefixes_of(_parsed(pattern))


def _prefixes_of(items: _Items) -> frozenset[str] | None:
    found = _starts(items, _PREFIX_CHARS)
    if "" in found:
        return None
    # "mmr" makes "mmr " redundant: keep the shortest strings
    return frozenset(s for s in found if not any(s.startswith(t) for t in found if t != s))


def required_literals(pattern: re.Pattern[str]) -> tuple[frozenset[str], ...]:
    """Groups of lower-case strings: every match of ``pattern`` holds one string of each group.

    Read from the parse tree: runs of literal characters, what every branch of a choice
    requires, and what a group or a repeat that occurs at least once requires
    (``\\bi\\s?&\\s?d\\b`` -> {"i"}, {"&"}, {"d"}; ``(?:min|minutes) (?:total|spent)`` -> {"min"},
    {" "}, {"total", "spent"}).
    """
    return _required_of(_parsed(pattern))


def _required_of(items: _Items) -> tuple[frozenset[str], ...]:
    return tuple(dict.fromkeys(_needs(items)))


def _needs(items: _Items) -> list[frozenset[str]]:
    # the groups a sequence requires; a run of literal characters is one string
    groups: list[frozenset[str]] = []
    run: list[str] = []
    for op, value in items:
        name = str(op)
        chars = _literal([(op, value)]) if name == "LITERAL" else None
        if name == "IN":
            chars = _literal(value)
        if chars is not None and len(chars) == 1:
            run.append(chars[0])
            continue
        if run:
            groups.append(frozenset(["".join(run)]))
            run = []
        if name == "SUBPATTERN":
            groups.extend(_needs(list(value[-1].data)))
        elif name == "BRANCH":
            groups.extend(_either(value[1]))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and value[0] >= 1:
            groups.extend(_needs(list(value[2].data)))
    if run:
        groups.append(frozenset(["".join(run)]))
    return groups


def _either(branches: list[Any]) -> list[frozenset[str]]:
    # a match goes through one branch and holds one string of the group that branch requires
    found: set[str] = set()
    for branch in branches:
        own = _needs(list(branch.data))
        if not own:
            return []
        found |= max(own, key=lambda group: min(map(len, group)))
    # "spent" makes "were spent" redundant: keep the strings that hold no other
    return [frozenset(s for s in found if not any(t in s for t in found if t != s))]


def _starts(items: _Items, room: int) -> set[str]:
    # "" among the strings means "a match may start with anything"
    if room == 0 or not items:
        return {""}
    op, value = items[0]
    rest = items[1:]
    name = str(op)
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return _starts(rest, room)  # zero width: the match starts with what follows
    if name == "SUBPATTERN":
        return _starts([*value[-1].data, *rest], room)
    if name == "LITERAL":
        return _led_by(_literal([(op, value)]), rest, room)
    if name == "IN":
        return _led_by(_literal(value), rest, room)
    if name == "BRANCH":
        found: set[str] = set()
        for branch in value[1]:
            found |= _starts([*branch.data, *rest], room)
            if "" in found or len(found) > _MAX_PREFIXES:
                return {""}
        return found
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _high, body = value
        # the match starts with the repeated part's match (whatever follows it)...
        found = _starts(list(body.data), room)
        if low == 0:  # ...or, when it may be absent, with what follows the repeat
            found |= _starts(rest, room)
        return {""} if len(found) > _MAX_PREFIXES else found
    return {""}  # any character, a category, a back reference: no literal prefix


def _literal(items: _Items) -> list[str] | None:
    # the lower-cased ASCII characters of a LITERAL or a set of LITERALs; None otherwise
    chars: list[str] = []
    for op, value in items:
        if str(op) != "LITERAL" or not chr(value).isascii():
            return None
        chars.append(chr(value).lower())
    return chars


def _led_by(chars: list[str] | None, rest: _Items, room: int) -> set[str]:
    if chars is None:
        return {""}
    tails = _starts(rest, room - 1)
    found = {char + tail for char in dict.fromkeys(chars) for tail in tails}
    return {""} if len(found) > _MAX_PREFIXES else found
