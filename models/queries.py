"""Documentation queries: gaps in the note worth a question to the physician.

An unspecified code is correct when the note says no more (Guidelines I.B.18), but the specific
code is often what the payer needs; a query asks the provider to document it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from models.candidate import Span
from models.rules import QueryRule, query_data
from models.schema import DocumentationQuery, Evidence
from nlp.mention import Mention

_WINDOW = 60
_QUERIED = ("present", "historical", "uncertain")


def _nearby(text: str, mention: Mention) -> str:
    start = max(0, text.rfind("\n", 0, mention.start) + 1, mention.start - _WINDOW)
    newline = text.find("\n", mention.end)
    end = min(len(text), mention.end + _WINDOW, newline if newline >= 0 else len(text))
    return text[start:end]


def evidence(text: str, span: Span) -> Evidence:
    """The output record of a span, with its words copied from the note."""
    return Evidence(
        start=span.start,
        end=span.end,
        text=text[span.start : span.end],
        section=span.section,
        assertion=span.assertion,
    )


@lru_cache(maxsize=1)
def _rules() -> tuple[tuple[QueryRule, re.Pattern[str], re.Pattern[str]], ...]:
    return tuple(
        (rule, re.compile(rule.mention, re.IGNORECASE), re.compile(rule.satisfied_by, re.I))
        for rule in query_data().rules
    )


def documentation_queries(text: str, mentions: Iterable[Mention]) -> list[DocumentationQuery]:
    """One query per topic whose present mentions all lack the detail the rule asks for."""
    # an assertion's label is worked out on each read: read once per mention, not per rule
    # (with the patterns compiled once: 0.046 -> 0.033 ms per note)
    queried = [m for m in mentions if m.assertion.label in _QUERIED]
    found: dict[str, DocumentationQuery] = {}
    for rule, pattern, satisfied in _rules():
        gaps: list[Evidence] = []
        complete = False
        for mention in queried:
            if not pattern.search(mention.text) and not pattern.search(mention.expansion or ""):
                continue
            known = any(mention.attributes.get(name) for name in rule.attributes)
            if known or satisfied.search(_nearby(text, mention)):
                complete = True
                break
            gaps.append(evidence(text, Span.of(mention)))
        if gaps and not complete:
            found[rule.topic] = DocumentationQuery(
                topic=rule.topic, message=rule.message, evidence=gaps
            )
    return list(found.values())
