"""Candidate ICD-10-CM codes from the pipeline's mentions.

Each problem or symptom mention is looked up in order of trust: longer readings of it from the
note (the words just before it, its "with ..." clause, its site and laterality) matched exactly;
the exact token bag of its own words (or its abbreviation's expansion) among curated phrases,
index paths and tabular names; the pipeline's own concept matches; the largest partial bag that
keeps a content word; and, for what all of these miss, the semantic matcher (batched over the
note). The code found is then walked down to the billable leaf the mention's attributes support.
Mentions that name a vaccine or a test, or sit in the provider's stated-MDM line, are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from codesets.model import System
from models.candidate import Candidate, Span
from models.codebook import CodeBook
from models.matching import Match, TermMatcher
from models.specificity import refine, unspecified_with_detail
from nlp.mention import Mention, MentionLabel

_CODED_LABELS = (MentionLabel.PROBLEM, MentionLabel.SYMPTOM)
_MIN_PARTIAL = 0.5
# A condition word that names a vaccine or a test ("influenza vaccine", "strep test") is no
# diagnosis; nor is a word in the provider's statement of the MDM level.
_NOT_A_DIAGNOSIS_AFTER = re.compile(
    r"[\s-]{0,2}(?:virus\s+)?(?:vaccines?|vaccinations?|immuni[sz]ations?|shots?|tests?|"
    r"screen(?:ing)?|antigen|pcr|swab)\b",
    re.IGNORECASE,
)
_MDM_LINE = re.compile(r"^\s*(?:medical decision[- ]making|mdm)\b", re.IGNORECASE)
# "X with Y" / "X due to Y" right after a mention: the combination the index often names.
_CLAUSE_AFTER = re.compile(
    r",?\s+(?:with|without|due to|secondary to|of the|of)\s+[a-z0-9][a-z0-9 \-]{1,50}?"
    r"(?=\s*(?:[.,;:()\n]|$))",
    re.IGNORECASE,
)
_WORDS_BEFORE = re.compile(r"((?:[A-Za-z0-9][\w\-]*\s+){1,2})$")
# Body sites that pick a code by name (limbs and paired parts), as the tabular names them;
# organ "sites" ("kidney function") are left out: they name no separate site-specific code.
_SITE_NAMES = {
    "leg": "lower limb",
    "arm": "upper limb",
    "thigh": "lower limb",
    "foot": "foot",
    "hand": "hand",
    "forearm": "forearm",
    "knee": "knee",
    "hip": "hip",
    "shoulder": "shoulder",
    "wrist": "wrist",
    "ankle": "ankle",
    "elbow": "elbow",
    "ear": "ear",
    "eye": "eye",
    "finger": "finger",
    "toe": "toe",
}


class SemanticMatcher(Protocol):
    """Finds codes for phrases that dictionary lookup missed."""

    def match(self, phrases: Sequence[str]) -> list[Match | None]:
        """The best code for each phrase, or ``None`` below the similarity threshold."""
        ...


@dataclass(frozen=True, slots=True)
class Found:
    """The code a mention names, how it was found, and the span of the words that named it."""

    match: Match
    via: str  # context | exact | concept | partial | semantic
    span: tuple[int, int] | None = None  # set when a longer reading than the mention matched


def _concept(mention: Mention) -> Match | None:
    # External-cause index rows name circumstances, not conditions; table rows need a column.
    icd = [
        c
        for c in mention.concepts
        if c.system in (System.ICD10CM, System.ICD10CM.value)
        and c.source not in ("eindex", "drug", "neoplasm")
    ]
    if not icd:
        return None
    best = max(icd, key=lambda c: c.score)
    return Match(best.code, best.term, best.source, best.score)


@dataclass(frozen=True, slots=True)
class Context:
    """Longer readings of a mention from the words around it, each with its exact span."""

    readings: tuple[tuple[str, int, int], ...]


def context_of(note: str, mention: Mention) -> Context:
    """Readings: the mention with the 1-2 words before it, with its following "with ..." clause,
    and with its site and laterality attributes (exact matches only are taken from these)."""
    readings: list[tuple[str, int, int]] = []
    line_start = note.rfind("\n", 0, mention.start) + 1
    after = _CLAUSE_AFTER.match(note, mention.end)
    if after is not None:
        readings.append((note[mention.start : after.end()], mention.start, after.end()))
    before = _WORDS_BEFORE.search(note[line_start : mention.start])
    if before is not None:
        start = line_start + before.start(1)
        readings.append((note[start : mention.end], start, mention.end))
        if after is not None:
            readings.append((note[start : after.end()], start, after.end()))
    site = mention.attributes.get("site", "").lower()
    side = mention.attributes.get("laterality", "")
    if site in _SITE_NAMES:
        named = _SITE_NAMES[site]
        for words in (f"{mention.text} {side} {named}", f"{mention.text} {named}"):
            readings.append((words, mention.start, mention.end))
    return Context(tuple(readings))


def skipped(note: str, mention: Mention) -> bool:
    """True for a mention that names a vaccine or test, or sits in a stated-MDM line."""
    line_start = note.rfind("\n", 0, mention.start) + 1
    if _MDM_LINE.match(note[line_start : mention.start]):
        return True
    return _NOT_A_DIAGNOSIS_AFTER.match(note, mention.end) is not None


def find_code(
    matcher: TermMatcher, mention: Mention, context: Context | None = None
) -> Found | None:
    """The most trusted dictionary match for a mention (``None`` if none is good enough)."""
    texts = [t for t in (mention.text, mention.expansion) if t]
    for text, start, end in context.readings if context else ():
        if (hit := matcher.exact(text)) is not None:
            return Found(hit, "context", (start, end))
    for text in texts:
        if (hit := matcher.exact(text)) is not None:
            return Found(hit, "exact")
    concept = _concept(mention)
    if concept is not None and concept.score >= 0.99:
        return Found(concept, "concept")
    partials = [p for t in texts if (p := matcher.partial(t)) is not None]
    best = max(partials, key=lambda p: p.score, default=None)
    if concept is not None and (best is None or concept.score >= best.score):
        return Found(concept, "concept")
    if best is not None and best.score >= _MIN_PARTIAL:
        return Found(best, "partial")
    return None


def _candidate(codebook: CodeBook, mention: Mention, found: Found) -> Candidate | None:
    match = found.match
    if codebook.get(System.ICD10CM, match.code) is None:
        return None
    span = Span.of(mention)
    if found.span is not None:
        span = Span(*found.span, mention.section, mention.assertion.label)
    start = unspecified_with_detail(codebook, match.code, mention.attributes)
    refined = refine(codebook, start, mention.attributes)
    score = match.score if found.via != "semantic" else 0.0
    candidate = Candidate(
        system=System.ICD10CM,
        code=refined.code,
        spans=[span],
        source=f"{found.via}:{match.source}",
        match_score=score,
        mentions=[mention],
        similarity=match.score if found.via == "semantic" else 0.0,
    )
    candidate.rationale.append(
        f'"{mention.text}" matched "{match.term}" ({match.source}, {found.via}) -> {match.code}'
    )
    candidate.rationale.extend(refined.rationale)
    candidate.warnings.extend(refined.warnings)
    return candidate


def generate(
    note: str,
    mentions: Sequence[Mention],
    *,
    codebook: CodeBook,
    matcher: TermMatcher,
    semantic: SemanticMatcher | None = None,
) -> list[Candidate]:
    """One candidate per codable mention, merged by code (each keeps all its evidence)."""
    coded = [m for m in mentions if m.label in _CODED_LABELS and not skipped(note, m)]
    found: list[tuple[Mention, Found]] = []
    missed: list[Mention] = []
    for mention in coded:
        hit = find_code(matcher, mention, context_of(note, mention))
        if hit is None:
            missed.append(mention)
        else:
            found.append((mention, hit))
    if semantic is not None and missed:
        phrases = [m.expansion or m.text for m in missed]
        for mention, match in zip(missed, semantic.match(phrases), strict=True):
            if match is not None:
                found.append((mention, Found(match, "semantic")))
    merged: dict[str, Candidate] = {}
    order = {id(m): i for i, m in enumerate(coded)}
    for mention, hit in sorted(found, key=lambda pair: order[id(pair[0])]):
        candidate = _candidate(codebook, mention, hit)
        if candidate is None:
            continue
        key = f"{candidate.code}|{mention.assertion.label}"
        if key in merged:
            merged[key].merge(candidate)
        else:
            merged[key] = candidate
    return list(merged.values())
