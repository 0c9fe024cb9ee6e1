"""The pipeline's document: the note text with its sections, sentences, mentions and timings.

``ClinicalPipeline.process`` returns one ``ClinicalDocument``; it holds plain records only, so
``models`` and ``app`` never touch spaCy objects. Every offset is a character offset into
``text`` (``text[start:end]`` gives the words).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from nlp.mention import Mention


@dataclass(frozen=True, slots=True)
class Section:
    """A note section: its normalized name, its extent and where its header's words are.

    ``start``/``end`` cover the header and the body up to the next header; a note without any
    header has no sections (``section`` is ``None`` on its mentions).
    """

    name: str
    start: int
    end: int
    header_start: int
    header_end: int


class Abbreviation(NamedTuple):
    """An abbreviation in the note and its long form (defined in the text or from the lexicon)."""

    short: str
    long: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class StageTimings:
    """Milliseconds spent in each stage of one ``process`` call."""

    tokenize: float = 0.0
    sections: float = 0.0
    sentences: float = 0.0
    abbreviations: float = 0.0
    mentions: float = 0.0
    assertions: float = 0.0

    @property
    def total(self) -> float:
        """The sum of every stage, in milliseconds."""
        return (
            self.tokenize
            + self.sections
            + self.sentences
            + self.abbreviations
            + self.mentions
            + self.assertions
        )


@dataclass(frozen=True, slots=True)
class ClinicalDocument:
    """What the pipeline read in one note."""

    text: str
    sections: list[Section] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    abbreviations: list[Abbreviation] = field(default_factory=list)
    timings: StageTimings = field(default_factory=StageTimings)

    def section_at(self, offset: int) -> Section | None:
        """The section whose extent holds ``offset``, or ``None``."""
        for section in self.sections:
            if section.start <= offset < section.end:
                return section
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (used by ``cac nlp --json``); mention labels become plain strings."""
        return {
            "sections": [asdict(s) for s in self.sections],
            "sentences": [{"start": s, "end": e} for s, e in self.sentences],
            "abbreviations": [a._asdict() for a in self.abbreviations],
            "mentions": [mention_dict(m) for m in self.mentions],
            "timings_ms": {**asdict(self.timings), "total": self.timings.total},
        }


def mention_dict(mention: Mention) -> dict[str, Any]:
    """One mention as a JSON-ready dict, with its assertion label, flags and cues."""
    a = mention.assertion
    return {
        "text": mention.text,
        "start": mention.start,
        "end": mention.end,
        "label": str(mention.label),
        "section": mention.section,
        "sentence_index": mention.sentence_index,
        "attributes": dict(mention.attributes),
        "assertion": {
            "label": a.label,
            "negated": a.negated,
            "uncertain": a.uncertain,
            "historical": a.historical,
            "hypothetical": a.hypothetical,
            "family": a.family,
            "cues": [asdict(c) for c in a.cues],
        },
        "concepts": [asdict(c) for c in mention.concepts],
        "expansion": mention.expansion,
    }
