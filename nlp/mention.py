"""The pipeline's output records: mentions with exact offsets, attributes and assertions.

These plain records are what ``models`` reads; they are built from the spaCy ``Doc`` at the end
of the pipeline so that nothing downstream depends on spaCy objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class MentionLabel(StrEnum):
    """What kind of clinical thing a mention names."""

    PROBLEM = "problem"  # a diagnosis or condition
    SYMPTOM = "symptom"  # a sign or symptom
    PROCEDURE = "procedure"  # a procedure, test, imaging study or immunization
    DRUG = "drug"  # a drug or supply (for HCPCS J-codes and the like)


@dataclass(frozen=True, slots=True)
class Cue:
    """An assertion cue that fired on a mention: its category and where its words are."""

    category: str  # negated | uncertain | historical | hypothetical | family
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Assertion:
    """The assertion flags of a mention; all False means present, current, about the patient."""

    negated: bool = False
    uncertain: bool = False
    historical: bool = False
    hypothetical: bool = False
    family: bool = False
    cues: tuple[Cue, ...] = ()

    @property
    def label(self) -> str:
        """One word for the strongest flag, as coders read it (``present`` when none)."""
        for name in ("negated", "family", "hypothetical", "uncertain", "historical"):
            if getattr(self, name):
                return name
        return "present"


@dataclass(frozen=True, slots=True)
class ConceptMatch:
    """A terminology entry the mention matched: the code it names and how well it matched."""

    system: str
    code: str
    term: str
    source: str  # tabular | inclusion | index | lexicon | abbreviation | fuzzy | ...
    score: float  # 1.0 exact normalized match; lower for fuzzy matches


@dataclass(frozen=True, slots=True)
class Mention:
    """One clinical mention; ``note[start:end] == text`` always holds."""

    text: str
    start: int
    end: int
    label: MentionLabel
    section: str | None
    sentence_index: int
    # laterality, acuity, severity, stage, type, site, encounter, ... (values are normalized words)
    attributes: dict[str, str] = field(default_factory=dict)
    assertion: Assertion = field(default_factory=Assertion)
    concepts: tuple[ConceptMatch, ...] = ()
    # the expansion when the mention is an abbreviation (from the text or the lexicon)
    expansion: str | None = None
