"""From scored candidates to the output schema: descriptions, evidence text, ranks, mentions."""

from __future__ import annotations

from collections.abc import Sequence

from codesets.model import System
from models.candidate import Candidate
from models.codebook import CodeBook
from models.queries import evidence
from models.schema import MentionOut, Suggestion
from nlp.mention import Mention

# Trust in a code by how it was found, before any learned ranker (rules-only confidence).
_SOURCE_TRUST = {
    "context": 0.85,
    "exact": 0.85,
    "concept": 0.75,
    "partial": 0.55,
    "semantic": 0.35,
    "rule": 0.8,
}
_RULE_TRUST = {
    "combination": 0.9,
    "family_history": 0.85,
    "personal_history": 0.8,
    "chronic_history": 0.8,
    "uncertain_inpatient": 0.6,
    "negated_included": 0.5,
}


def rule_confidence(candidate: Candidate) -> float:
    """A rules-only confidence: source trust, scaled by match quality, minus warnings."""
    via = candidate.source.split(":", 1)[0]
    base = _SOURCE_TRUST.get(via, 0.5)
    if via in ("partial", "concept"):
        base *= 0.6 + 0.4 * candidate.match_score
    if via == "semantic":
        base *= candidate.similarity
    base = (
        min(base, _RULE_TRUST.get(candidate.rule, 1.0)) if candidate.rule in _RULE_TRUST else base
    )
    base -= 0.05 * len(candidate.warnings)
    return round(min(0.99, max(0.01, base)), 4)


def merge_by_code(candidates: Sequence[Candidate]) -> list[Candidate]:
    """One candidate per (system, code), keeping all evidence."""
    grouped: dict[tuple[System, str], list[Candidate]] = {}
    for candidate in candidates:
        grouped.setdefault((candidate.system, candidate.code), []).append(candidate)
    for first, *rest in grouped.values():
        first.merge_all(rest)
    return [first for first, *_rest in grouped.values()]


def suggestions(
    text: str, scored: Sequence[tuple[Candidate, float]], codebook: CodeBook
) -> list[Suggestion]:
    """Suggestions ranked by confidence; every one with its evidence copied from the note."""
    ordered = sorted(scored, key=lambda pair: (-pair[1], pair[0].spans[0].start))
    out: list[Suggestion] = []
    for candidate, confidence in ordered:
        record = codebook.get(candidate.system, candidate.code)
        description = record.description if record else candidate.description or ""
        billable = record.billable if record else candidate.system is not System.ICD10CM
        is_sample = (record.is_sample if record else False) or candidate.is_sample
        warnings = list(candidate.warnings)
        if is_sample:
            warnings.append("CPT description from the built-in sample; load a licensed CPT file")
        spans = sorted(set(candidate.spans), key=lambda s: (s.start, s.end))
        out.append(
            Suggestion(
                system=candidate.system.value,
                code=candidate.code,
                description=description,
                billable=billable,
                confidence=round(confidence, 4),
                rank=len(out) + 1,
                evidence=[evidence(text, span) for span in spans],
                rationale="; ".join(candidate.rationale) or "matched in the note",
                warnings=warnings,
                linked=list(candidate.linked),
                is_sample=is_sample,
            )
        )
    return out


def mention_out(mention: Mention) -> MentionOut:
    """The output record of one pipeline mention."""
    flags = mention.assertion
    return MentionOut(
        text=mention.text,
        start=mention.start,
        end=mention.end,
        label=str(mention.label),
        section=mention.section,
        attributes=dict(mention.attributes),
        assertion=flags.label,
        negated=flags.negated,
        uncertain=flags.uncertain,
        historical=flags.historical,
        hypothetical=flags.hypothetical,
        family=flags.family,
        cues=[
            {"category": c.category, "text": c.text, "start": c.start, "end": c.end}
            for c in flags.cues
        ],
    )
