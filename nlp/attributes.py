"""Mention attributes coding depends on: laterality, acuity, severity, stage, type, site, ...

The patterns of ``attributes.json`` (a named group ``value`` picks the words that are the value;
without one the whole match is) run once each over the note (only where their literal prefixes
occur, ``nlp.prefilter``: the same matches); a mention takes, per attribute, the nearest match in
its own sentence within the pattern's window (a match inside the mention's own words is nearest
of all), so "left knee pain" and "pain in the left knee" both get laterality.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from nlp.prefilter import GatedPattern, PatternSet
from nlp.rules import AttributeRules


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    attribute: str
    value: str
    window: int


class AttributeFinder:
    """Runs the attribute patterns and assigns their values to mentions."""

    def __init__(self, rules: AttributeRules) -> None:
        # one pass per pattern measured faster than one alternation of them all (Python's
        # engine tries every branch at every position)
        self._patterns = [
            (GatedPattern(re.compile(r.pattern, re.IGNORECASE)), r) for r in rules.attributes
        ]
        self.patterns = PatternSet(gated for gated, _rule in self._patterns)
        self._widest = max((r.window for r in rules.attributes), default=0)

    def hits(self, text: str) -> list[_Hit]:
        """Every attribute match in ``text``, sorted by start."""
        found: list[_Hit] = []
        scanned = self.patterns.scan(text)
        for gated, rule in self._patterns:
            pattern = gated.pattern
            for match in scanned.finditer(gated):
                value = rule.value
                if value is None:
                    value = match.group("value") if "value" in pattern.groupindex else None
                    value = value if value is not None else match.group()
                words = " ".join(value.lower().split())
                found.append(_Hit(match.start(), match.end(), rule.attribute, words, rule.window))
        found.sort(key=lambda h: h.start)
        return found

    def assign(
        self, hits: list[_Hit], hit_starts: list[int], start: int, end: int, bounds: tuple[int, int]
    ) -> dict[str, str]:
        """The attributes of the mention at ``start:end`` from hits inside ``bounds``."""
        low = bisect_left(hit_starts, max(bounds[0], start - self._widest))
        high = bisect_right(hit_starts, min(bounds[1], end + self._widest))
        best: dict[str, tuple[int, str]] = {}
        for hit in hits[low:high]:
            if hit.start < bounds[0] or hit.end > bounds[1]:
                continue
            if hit.end <= start:
                distance = start - hit.end
            elif hit.start >= end:
                distance = hit.start - end
            else:
                distance = 0
            if distance > hit.window:
                continue
            current = best.get(hit.attribute)
            if current is None or distance < current[0]:
                best[hit.attribute] = (distance, hit.value)
        return {name: value for name, (_d, value) in best.items()}
