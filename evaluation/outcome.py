"""What the metrics read: per chart, the gold codes and the coder's ranked suggestions.

Building outcomes is the only place that knows about ``GoldChart`` and ``CodingResult``; every
metric works on these plain records, so decisions, CodiEsp runs and stored runs share them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from codesets.errors import CACError
from evaluation.codes import CodeKey, canonical_code
from evaluation.gold import GoldChart
from models.schema import CodingResult

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Predicted:
    """One suggestion as the metrics see it: its code, confidence and evidence spans."""

    key: CodeKey
    confidence: float
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class ChartOutcome:
    """One chart's gold codes and the coder's suggestions in rank order (duplicates removed)."""

    id: str
    gold: frozenset[CodeKey]
    ranked: tuple[Predicted, ...]
    gold_spans: dict[CodeKey, tuple[Span, ...]] = field(default_factory=dict)
    setting: str | None = None

    @property
    def predicted(self) -> frozenset[CodeKey]:
        """The suggested codes at the coder's own cut-off (everything it returned)."""
        return frozenset(p.key for p in self.ranked)

    def restricted(self, keep: Callable[[CodeKey], bool]) -> ChartOutcome:
        """The same chart with only the codes ``keep`` accepts (e.g. one code system)."""
        return ChartOutcome(
            id=self.id,
            gold=frozenset(k for k in self.gold if keep(k)),
            ranked=tuple(p for p in self.ranked if keep(p.key)),
            gold_spans={k: v for k, v in self.gold_spans.items() if keep(k)},
            setting=self.setting,
        )

    def mapped(self, to: Callable[[CodeKey], CodeKey]) -> ChartOutcome:
        """The chart with every code mapped by ``to`` (e.g. to its 3-character category)."""
        return ChartOutcome(
            id=self.id,
            gold=frozenset(to(k) for k in self.gold),
            ranked=dedupe(Predicted(to(p.key), p.confidence, p.spans) for p in self.ranked),
            setting=self.setting,
        )


def dedupe(ranked: Iterable[Predicted]) -> tuple[Predicted, ...]:
    """Keep the first (best-ranked) suggestion of each code, as trec_eval counts a document once."""
    seen: set[CodeKey] = set()
    kept = []
    for predicted in ranked:
        if predicted.key not in seen:
            seen.add(predicted.key)
            kept.append(predicted)
    return tuple(kept)


def _suggested_key(system: str, code: str) -> CodeKey:
    try:
        return system, canonical_code(system, code)
    except CACError:
        # A code the harness cannot canonicalize still counts, as the false positive it is.
        return system, code.strip().upper()


def outcome_from_result(chart: GoldChart, result: CodingResult | None) -> ChartOutcome:
    """The outcome of one chart; ``None`` (the coder failed on it) scores as no suggestions."""
    suggestions = sorted(result.suggestions, key=lambda s: s.rank) if result is not None else []
    ranked = dedupe(
        Predicted(
            _suggested_key(s.system, s.code),
            s.confidence,
            tuple((e.start, e.end) for e in s.evidence),
        )
        for s in suggestions
    )
    return ChartOutcome(
        id=chart.id,
        gold=frozenset(chart.keys()),
        ranked=ranked,
        gold_spans={c.key: tuple((e.start, e.end) for e in c.evidence) for c in chart.codes},
        setting=chart.setting,
    )


def by_system(outcomes: list[ChartOutcome], system: str) -> list[ChartOutcome]:
    """The outcomes restricted to one code system."""
    return [o.restricted(lambda key: key[0] == system) for o in outcomes]
