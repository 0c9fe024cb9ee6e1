"""A candidate code as it moves through the coder: where it came from and why it is kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from codesets.model import System
from models.schema import LinkedCode
from nlp.mention import Mention


@dataclass(frozen=True, slots=True)
class Span:
    """Evidence in the note: offsets plus the section and assertion of the words there."""

    start: int
    end: int
    section: str | None = None
    assertion: str = "present"

    @classmethod
    def of(cls, mention: Mention) -> Span:
        """The span of a whole mention."""
        return cls(mention.start, mention.end, mention.section, mention.assertion.label)


@dataclass(slots=True)
class Candidate:
    """One code the note may support, with the mentions behind it and the rules that shaped it.

    ``rule`` names the last guideline rule that produced or changed the code (a ranker feature);
    ``source`` how the code was first found (lexicon, index, tabular, fuzzy, semantic, rule, ...).
    """

    system: System
    code: str
    spans: list[Span]
    source: str
    match_score: float
    rule: str = "direct"
    mentions: list[Mention] = field(default_factory=list)
    rationale: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    linked: list[LinkedCode] = field(default_factory=list)
    similarity: float = 0.0
    is_sample: bool = False
    description: str | None = None  # set when the code is not in a loaded code set (CPT sample)

    @property
    def assertion(self) -> str:
        """The assertion of the first mention behind the candidate (``present`` when none)."""
        return self.mentions[0].assertion.label if self.mentions else "present"

    def merge(self, other: Candidate) -> None:
        """Fold another candidate for the same code into this one (more evidence, best scores)."""
        self.merge_all([other])

    def merge_all(self, others: Sequence[Candidate]) -> None:
        """``merge`` each of ``others`` in turn, in time linear in their evidence.

        Merging one at a time compared every span and mention with all those kept so far:
        quadratic when a note names one condition thousands of times (12 s for 5,000).
        """
        spans = set(self.spans)
        mentions: dict[tuple[int, int], list[Mention]] = {}
        for mention in self.mentions:
            mentions.setdefault((mention.start, mention.end), []).append(mention)
        rationale = set(self.rationale)
        warnings = set(self.warnings)
        for other in others:
            for span in other.spans:
                if span not in spans:
                    spans.add(span)
                    self.spans.append(span)
            for mention in other.mentions:
                same_place = mentions.setdefault((mention.start, mention.end), [])
                if mention not in same_place:
                    same_place.append(mention)
                    self.mentions.append(mention)
            self.match_score = max(self.match_score, other.match_score)
            self.similarity = max(self.similarity, other.similarity)
            for line in other.rationale:
                if line not in rationale:
                    rationale.add(line)
                    self.rationale.append(line)
            for line in other.warnings:
                if line not in warnings:
                    warnings.add(line)
                    self.warnings.append(line)
