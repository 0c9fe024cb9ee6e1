"""medSpaCy's ConText, comparing a cue only with what its scope can reach.

ConText's graph compares every cue with every other cue (``update_scopes``) and with every
mention (``apply_modifiers``), calling a method per pair: on a note with 59 mentions that was a
quarter of the coding time, almost all of it on pairs a window of ``max_scope`` tokens apart.
``WindowedGraph`` asks the same questions in the same order but skips, with two comparisons,
the pairs whose answer is already known to be "no":

- ``limit_scope`` changes nothing when neither scope overlaps the other (``tuple_overlaps`` in
  either order), and scopes only ever shrink, so such a pair stays apart;
- ``modifies`` is false when the cue's scope does not overlap the mention.

So the links, and every assertion built from them, are ConText's own. ``WindowedContext`` is
``ConText`` with this graph (medSpaCy 1.3.1 builds its graph inside ``__call__``, so the call is
repeated here); the medSpaCy pipeline the benchmark compares against keeps the original.

Cues given as token patterns go to spaCy's ``Matcher``, which makes a Python ``Token`` twice per
word of the doc whatever its patterns: for our one such cue ("-", "old") that was 0.095 ms of
every note. Plain word sequences are matched by ``nlp.token_matching`` instead, with the same
matches in the same order; any other pattern keeps the ``Matcher``.
"""

# no ``from __future__ import annotations``: spaCy reads the factory's argument types at run time
from collections.abc import Iterable
from typing import Any

from medspacy.common.util import prune_overlapping_matches
from medspacy.context import ConText
from medspacy.context.context_graph import ConTextGraph
from medspacy.context.context_modifier import ConTextModifier
from spacy.language import Language
from spacy.strings import StringStore
from spacy.tokens import Doc

from nlp.token_matching import Match, Steps, TokenSequences, plain_steps

WINDOWED_CONTEXT_FACTORY = "cac_windowed_context"


class WindowedGraph(ConTextGraph):  # type: ignore[misc]
    """``ConTextGraph`` that skips the pairs its checks would refuse anyway (same result)."""

    def update_scopes(self) -> None:
        """Let neighbouring cues limit each other's scope (``ConTextGraph.update_scopes``)."""
        modifiers = self.modifiers
        # each cue's scope, read again only after ``limit_scope`` (the one thing that changes
        # it): a medSpaCy property and a call per pair were a third of its 0.06 ms a note
        scopes = [modifier.scope_span for modifier in modifiers]
        for i in range(len(modifiers) - 1):
            first = modifiers[i]
            for j in range(i + 1, len(modifiers)):
                (a0, a1), (b0, b1) = scopes[i], scopes[j]
                # ``tuple_overlaps`` either way round (medspacy.util's is not symmetric: b inside
                # a counts, a inside b does not), written out
                if a0 <= b0 < a1 or a0 < b1 <= a1 or b0 <= a0 < b1 or b0 < a1 <= b1:
                    second = modifiers[j]
                    first.limit_scope(second)
                    second.limit_scope(first)
                    scopes[i], scopes[j] = first.scope_span, second.scope_span

    def apply_modifiers(self) -> None:
        """Link each mention to the cues that modify it (``ConTextGraph.apply_modifiers``)."""
        if self.prune_on_modifier_overlap:
            super().apply_modifiers()  # not used by this pipeline: keep medSpaCy's own
            return
        scoped = [(modifier, *modifier.scope_span) for modifier in self.modifiers]
        for target in self.targets:
            start, end = target.start, target.end
            for modifier, low, high in scoped:
                # ``tuple_overlaps(scope, (start, end))``, written out
                if (low <= start < high or low < end <= high) and modifier.modifies(target):
                    modifier.modify(target)
        edges: list[tuple[Any, ConTextModifier]] = []
        for modifier in self.modifiers:
            modifier.reduce_targets()
            edges.extend((target, modifier) for target in modifier._targets)
        self.edges = edges


def _window_scope(rule: Any, start: int, end: int, length: int) -> tuple[int, int]:
    # ``ConTextModifier``'s own scope when ConText has a window (medSpaCy 1.3.1 ``__set_scope``):
    # the rule's ``max_scope`` tokens beside the cue, on the side its direction reads (its cut
    # to ``max_scope`` never cuts such a window). Given the scope, a cue is made without a span
    # and its window span: 0.01 ms a note for every cue instead of 0.1.
    reach = rule.max_scope
    low, high = max(start - reach, 0), min(end + reach, length)
    direction = rule.direction.lower()
    if direction == "forward":
        return end, high
    if direction == "backward":
        return low, start
    return low, high


def token_sequences(rules: Iterable[Any], strings: StringStore) -> tuple[TokenSequences, list[Any]]:
    """The token-pattern rules (medSpaCy ``BaseRule``s) that are plain sequences, as one
    ``TokenSequences``, and the other token-pattern rules (left to the ``Matcher``)."""
    plain: list[tuple[int, Steps]] = []
    other: list[Any] = []
    for rule in rules:
        if not isinstance(rule.pattern, list):
            continue  # a phrase or a regular expression: not the Matcher's
        steps = plain_steps(rule.pattern, strings)
        if steps is None or rule.on_match is not None:
            other.append(rule)
        else:
            plain.append((strings.add(rule._rule_id), steps))
    return TokenSequences(plain), other


class WindowedContext(ConText):  # type: ignore[misc]
    """``ConText`` with ``WindowedGraph``: mention groups only (how this pipeline uses it)."""

    _sequences: TokenSequences | None = None  # set by ``add`` when every token pattern is plain

    def add(self, rules: Any) -> None:
        """Add ConText rules (``ConText.add``); plain token patterns skip spaCy's ``Matcher``."""
        super().add(rules)
        sequences, other = token_sequences(self.rules, self.nlp.vocab.strings)
        self._sequences = None if other else sequences

    def _matches(self, doc: Doc) -> list[Match]:
        # ``MedspacyMatcher.__call__`` of medSpaCy 1.3.1, with ``TokenSequences`` for its Matcher
        matcher: Any = self._ConText__matcher
        if self._sequences is None:
            found: list[Match] = matcher(doc)
            return found
        matches = self._sequences(doc)
        matches += matcher._MedspacyMatcher__phrase_matcher(doc)
        matches += matcher._MedspacyMatcher__regex_matcher(doc)
        if matcher._prune:
            matches = prune_overlapping_matches(matches)
        return matches

    def __call__(self, doc: Doc, targets: str | None = None) -> Doc:
        """Apply ConText to ``doc`` (``ConText.__call__`` of medSpaCy 1.3.1, other graph)."""
        if self.input_span_type != "group" or targets is not None:
            raise ValueError("WindowedContext reads its targets from a span group only")
        graph = WindowedGraph(prune_on_modifier_overlap=self.prune_on_target_overlap)
        graph.targets = doc.spans[self.span_group_name]
        graph.modifiers = []
        matcher: Any = self._ConText__matcher  # medSpaCy's own matcher of the rules added
        strings = self.nlp.vocab.strings  # the rule id's text (``vocab[id].text`` made a lexeme)
        for match_id, start, end in self._matches(doc):
            rule = matcher.rule_map[strings[match_id]]
            if self.max_scope:
                low, high = _window_scope(rule, start, end, len(doc))
                modifier = ConTextModifier(
                    rule, start, end, doc, scope_start=low, scope_end=high, max_scope=self.max_scope
                )
            else:
                modifier = ConTextModifier(rule, start, end, doc, max_scope=self.max_scope)
            graph.modifiers.append(modifier)
        graph.update_scopes()
        graph.apply_modifiers()
        for target, modifier in graph.edges:
            target._.modifiers += (modifier,)
        if self.context_attributes_mapping:
            self.set_context_attributes(graph.edges)
        doc._.context_graph = graph
        return doc


@Language.factory(WINDOWED_CONTEXT_FACTORY)
def make_windowed_context(
    nlp: Language,
    name: str,
    rules: str | None,
    input_span_type: str,
    span_group_name: str,
    span_attrs: dict[str, dict[str, Any]] | None,
    max_scope: int | None,
) -> WindowedContext:
    """ConText with ``WindowedGraph`` (the arguments are ``ConText``'s of the same names)."""
    return WindowedContext(
        nlp,
        name=name,
        rules=rules,
        input_span_type=input_span_type,
        span_group_name=span_group_name,
        span_attrs=span_attrs,
        max_scope=max_scope,
    )
