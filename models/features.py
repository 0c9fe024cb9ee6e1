"""The ranker's view of a candidate: a fixed-length vector of match, context and rule features."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache

from codesets.model import System
from models.candidate import Candidate

_VIA = ("context", "exact", "concept", "partial", "semantic", "rule")
_SOURCE = ("lexicon", "index", "tabular", "inclusion")
_SECTION = ("assessment", "history", "exam", "hpi", "other")
_ASSERTION = ("present", "negated", "uncertain", "historical", "family", "hypothetical")
_RULE = (
    "direct",
    "combination",
    "family_history",
    "personal_history",
    "chronic_history",
    "uncertain_inpatient",
    "negated_included",
)
_SECTION_WORDS = (
    ("assessment", ("assessment", "plan", "impression", "diagnos", "discharge")),
    ("history", ("history", "pmh", "past")),
    ("exam", ("exam", "physical", "finding", "result", "lab", "imaging")),
    ("hpi", ("present illness", "hpi", "chief", "complaint", "subjective", "reason")),
)

FEATURE_NAMES: tuple[str, ...] = (
    *(f"via={v}" for v in _VIA),
    *(f"source={s}" for s in _SOURCE),
    *(f"section={s}" for s in _SECTION),
    *(f"assertion={a}" for a in _ASSERTION),
    *(f"rule={r}" for r in _RULE),
    "match_score",
    "similarity",
    "depth",
    "unspecified",
    "symptom_chapter",
    "log_mentions",
    "warnings",
    "first_position",
    "mention_words",
    "prior_code",
    "prior_category",
)


# Section names and the values of the one-hot features are few, and every candidate of every
# note reads them: each is worked out once (a candidate's features: 6.6 -> 4.6 us).
@lru_cache(maxsize=1024)
def section_group(section: str | None) -> str:
    """The coarse section group of a section name."""
    name = (section or "").lower()
    for group, words in _SECTION_WORDS:
        if any(word in name for word in words):
            return group
    return "other"


@lru_cache(maxsize=1024)
def _onehot(value: str, options: tuple[str, ...]) -> tuple[float, ...]:
    return tuple(1.0 if value == option else 0.0 for option in options)


def features(
    candidate: Candidate,
    *,
    note_length: int,
    description: str,
    priors: Mapping[str, float],
) -> list[float]:
    """The feature vector of one ICD-10-CM candidate (``priors``: log-scaled code frequencies)."""
    via, _, source = candidate.source.partition(":")
    flat = candidate.code.replace(".", "")
    first = min(span.start for span in candidate.spans)
    words = sum(len(m.text.split()) for m in candidate.mentions) / max(1, len(candidate.mentions))
    rule = candidate.rule if candidate.rule in _RULE else "direct"
    return [
        *_onehot(via, _VIA),
        *_onehot(source, _SOURCE),
        *_onehot(section_group(candidate.spans[0].section), _SECTION),
        *_onehot(candidate.assertion, _ASSERTION),
        *_onehot(rule, _RULE),
        candidate.match_score,
        candidate.similarity,
        (len(flat) - 3) / 4,
        1.0 if "unspecified" in description.lower() else 0.0,
        1.0 if candidate.system is System.ICD10CM and flat.startswith("R") else 0.0,
        math.log1p(len(candidate.spans)),
        float(len(candidate.warnings)),
        first / max(1, note_length),
        min(words, 10) / 10,
        priors.get(candidate.code, 0.0),
        priors.get(flat[:3], 0.0),
    ]
