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
"""

# no ``from __future__ import annotations``: spaCy reads the factory's argument types at run time
from typing import Any

from medspacy.context import ConText
from medspacy.context.context_graph import ConTextGraph
from medspacy.context.context_modifier import ConTextModifier
from spacy.language import Language
from spacy.tokens import Doc

WINDOWED_CONTEXT_FACTORY = "cac_windowed_context"


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    # medspacy.util.tuple_overlaps, which is not symmetric: b inside a counts, a inside b does not
    return a[0] <= b[0] < a[1] or a[0] < b[1] <= a[1]


class WindowedGraph(ConTextGraph):  # type: ignore[misc]
    """``ConTextGraph`` that skips the pairs its checks would refuse anyway (same result)."""

    def update_scopes(self) -> None:
        """Let neighbouring cues limit each other's scope (``ConTextGraph.update_scopes``)."""
        modifiers = self.modifiers
        for i in range(len(modifiers) - 1):
            first = modifiers[i]
            for second in modifiers[i + 1 :]:
                one, other = first.scope_span, second.scope_span
                if _overlaps(one, other) or _overlaps(other, one):
                    first.limit_scope(second)
                    second.limit_scope(first)

    def apply_modifiers(self) -> None:
        """Link each mention to the cues that modify it (``ConTextGraph.apply_modifiers``)."""
        if self.prune_on_modifier_overlap:
            super().apply_modifiers()  # not used by this pipeline: keep medSpaCy's own
            return
        scoped = [(modifier, modifier.scope_span) for modifier in self.modifiers]
        for target in self.targets:
            span = (target.start, target.end)
            for modifier, scope in scoped:
                if _overlaps(scope, span) and modifier.modifies(target):
                    modifier.modify(target)
        edges: list[tuple[Any, ConTextModifier]] = []
        for modifier in self.modifiers:
            modifier.reduce_targets()
            edges.extend((target, modifier) for target in modifier._targets)
        self.edges = edges


class WindowedContext(ConText):  # type: ignore[misc]
    """``ConText`` with ``WindowedGraph``: mention groups only (how this pipeline uses it)."""

    def __call__(self, doc: Doc, targets: str | None = None) -> Doc:
        """Apply ConText to ``doc`` (``ConText.__call__`` of medSpaCy 1.3.1, other graph)."""
        if self.input_span_type != "group" or targets is not None:
            raise ValueError("WindowedContext reads its targets from a span group only")
        graph = WindowedGraph(prune_on_modifier_overlap=self.prune_on_target_overlap)
        graph.targets = doc.spans[self.span_group_name]
        graph.modifiers = []
        matcher: Any = self._ConText__matcher  # medSpaCy's own matcher of the rules added
        for match_id, start, end in matcher(doc):
            rule = matcher.rule_map[self.nlp.vocab[match_id].text]
            graph.modifiers.append(ConTextModifier(rule, start, end, doc, max_scope=self.max_scope))
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
