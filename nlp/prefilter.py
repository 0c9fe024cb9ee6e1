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
pattern before: 0.8 ms of a 9 ms note). Sets whose scans ``share_scans`` joins (the attribute,
procedure, E/M and status cue rules) are found together in one pass over a note, which each
thread keeps for the next set that asks for the same text: one pass instead of four.
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

    __slots__ = ("pattern", "prefixes")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.prefixes = literal_prefixes(pattern)


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
        self._scan = _longest_first(prefixes)
        self._shared: _SharedScan | None = None

    def scan(self, text: str) -> Scanned:
        """Where each pattern may match in ``text``."""
        if self._shared is not None:
            return self._shared.scan(text)
        return self._scan_alone(text)

    def _scan_alone(self, text: str) -> Scanned:
        starts: list[list[int] | None] = [None] * len(self.patterns)
        folded = fold(text)
        if self._scan is not None and len(folded) == len(text):
            for k, prefixes in enumerate(self._gated):
                if prefixes is not None:
                    starts[k] = []
            for match in self._scan.finditer(folded):
                at = match.start()
                for k in self._owners[match.group(1)]:
                    found = starts[k]
                    if found is not None:
                        found.append(at)
        return Scanned(text, starts, self._index)


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

    def finditer(self, gated: GatedPattern) -> Iterator[re.Match[str]]:
        """``gated.pattern.finditer(self.text)``'s matches (``gated`` must be of the set)."""
        starts = self.starts[self.index[id(gated)]]
        if starts is None or len(starts) > _MAX_STARTS:
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


def _longest_first(prefixes: list[str]) -> re.Pattern[str] | None:
    # a zero-width look-ahead finds every position; one branch per first character, longest
    # prefix first within it, so the group is the longest prefix occurring at the position
    if not prefixes:
        return None
    by_first: dict[str, list[str]] = {}
    for prefix in sorted(prefixes, key=len, reverse=True):
        by_first.setdefault(prefix[0], []).append(prefix)
    body = "|".join(
        re.escape(first) + "(?:" + "|".join(re.escape(p[1:]) for p in members) + ")"
        for first, members in by_first.items()
    )
    return re.compile(f"(?=({body}))")


def literal_prefixes(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-case strings one of which starts every match of ``pattern``; None when unknown."""
    found = _starts(list(_parser.parse(pattern.pattern, pattern.flags).data), _PREFIX_CHARS)
    if "" in found:
        return None
    # "mmr" makes "mmr " redundant: keep the shortest strings
    return frozenset(s for s in found if not any(s.startswith(t) for t in found if t != s))


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
