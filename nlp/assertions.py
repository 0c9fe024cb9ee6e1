"""Assertions: medSpaCy's ConText with our cue file, plus what a mention's section implies.

ConText reads its targets from the ``cac_mentions`` span group and our rules (``context_rules.json``
through ``nlp.rules``); each mention's assertion lists the cues that fired, with their offsets,
so a coder sees *why* a mention is negated or historical. What a section implies (Past Medical
History: historical; Family History: a relative) is added by the pipeline from the section rules.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from medspacy.context import ConText, ConTextRule
from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.extensions import MENTION_GROUP
from nlp.mention import Assertion, Cue
from nlp.rules import ContextRule, ContextRules
from nlp.windowed_context import WINDOWED_CONTEXT_FACTORY

CONTEXT_COMPONENT = "cac_context"
_TO_MEDSPACY = {
    "negated": "NEGATED_EXISTENCE",
    "uncertain": "POSSIBLE_EXISTENCE",
    "historical": "HISTORICAL",
    "hypothetical": "HYPOTHETICAL",
    "family": "FAMILY",
    "terminate": "TERMINATE",
    "pseudo": "PSEUDO",
}
_FROM_MEDSPACY = {v: k for k, v in _TO_MEDSPACY.items()}
_FLAGS = ("negated", "uncertain", "historical", "hypothetical", "family")


# Every cue gets a token window: with one, ConText skips its per-cue sentence lookup (a walk over
# the doc's sentences each time); a window may reach into the next sentence, so ``assertion_of``
# keeps only cues in the mention's own sentence, which restores sentence scope.
DEFAULT_SCOPE = 40


def medspacy_rules(rules: ContextRules) -> list[ConTextRule]:
    """Our cue rules as medSpaCy ``ConTextRule`` objects (``also`` travels in the metadata).

    Literal cues go to medSpaCy's phrase matcher (a trie: fast). Token patterns that allowed
    whitespace tokens between a cue's words ("history\n of") scored the same on the NegEx kit
    and made matching several times slower, so multi-word cues are matched as written.
    """
    converted: list[ConTextRule] = []
    for rule in rules.rules:
        for literal in rule.literals():
            converted.append(
                ConTextRule(
                    literal=literal,
                    category=_TO_MEDSPACY[rule.category],
                    pattern=rule.pattern,
                    direction=rule.direction.upper(),
                    max_scope=_scope(rule),
                    terminated_by={_TO_MEDSPACY[c] for c in rule.terminated_by} or None,
                    metadata={"also": list(rule.also)} if rule.also else None,
                )
            )
    return converted


def _scope(rule: ContextRule) -> int:
    # medSpaCy lets a terminating cue end another cue's scope only when their scopes overlap
    # partly (``tuple_overlaps`` misses one scope inside the other): a one-token scope for
    # terminating cues always sits partly inside the scope it ends
    if rule.category == "terminate":
        return 1
    return rule.max_scope or DEFAULT_SCOPE


def add_context(nlp: Language, rules: ContextRules) -> ConText:
    """Add medSpaCy's ConText (``nlp.windowed_context``: the same links, found faster), reading
    the mention span group, with our rules only."""
    context = nlp.add_pipe(
        WINDOWED_CONTEXT_FACTORY,
        name=CONTEXT_COMPONENT,
        config={
            "rules": None,
            "input_span_type": "group",
            "span_group_name": MENTION_GROUP,
            "span_attrs": None,
            "max_scope": DEFAULT_SCOPE,
        },
    )
    assert isinstance(context, ConText)
    context.add(medspacy_rules(rules))
    return context


def assertion_of(
    span: Span,
    text: str,
    sentence_starts: list[int],
    base: int,
    headers: list[tuple[int, int]],
    historical: list[tuple[int, int, Any]],
) -> Assertion:
    """The assertion ConText gave one mention span of ``text``: flags and cues (offsets + ``base``).

    Cues inside a section header ("HISTORY:") or, but for historical ones, inside the mention's
    own words do not count. ``historical`` is ``historical_cues`` of the span's doc.
    """
    doc = span.doc
    flags = dict.fromkeys(_FLAGS, False)
    cues: list[Cue] = []
    own_sentence = bisect_right(sentence_starts, span.start_char) - 1
    # ConText never links a cue to a target that holds it; a historical cue inside the
    # mention's own words ("status post CABG") still dates it
    first, last = span.start, span.end
    inside = [m for start, end, m in historical if first <= start and end <= last]
    for modifier in [*span._.modifiers, *inside]:
        category = _FROM_MEDSPACY.get(modifier.category)
        if category not in flags:
            continue
        start_token, end_token = modifier.modifier_span
        start = doc[start_token].idx
        end = doc[end_token - 1].idx + len(doc[end_token - 1])
        # a windowed cue (max_scope) may reach across a sentence end: ConText does not check
        if bisect_right(sentence_starts, start) - 1 != own_sentence:
            continue
        if start < span.end_char and end > span.start_char and category != "historical":
            continue  # a cue in the mention's own words ("neck without tenderness") names it
        if any(h_start <= start and end <= h_end for h_start, h_end in headers):
            continue
        cues.append(Cue(category, text[start:end], start + base, end + base))
        flags[category] = True
        metadata = modifier.rule.metadata or {}
        for extra in metadata.get("also", ()):
            flags[extra] = True
    cues.sort(key=lambda c: (c.start, c.category))
    return Assertion(**flags, cues=tuple(cues))


def historical_cues(doc: Doc) -> list[tuple[int, int, Any]]:
    """The historical cues ConText found in ``doc``: (start token, end token, modifier), in its
    order; read once per doc, not once per mention (0.08 ms a note: a medSpaCy property per cue
    and mention)."""
    graph = doc._.context_graph if Doc.has_extension("context_graph") else None
    if graph is None:
        return []
    return [(*m.modifier_span, m) for m in graph.modifiers if m.category == "HISTORICAL"]


def set_targets(doc: Doc, spans: list[Span]) -> None:
    """Put the mention spans where ConText reads its targets."""
    doc.spans[MENTION_GROUP] = spans
