"""Fixtures for the coder's tests: the tabular code book, the phrase matcher, hand-built notes.

Stages are tested with mentions built by hand (``note`` below) so that the coder's rules are
tested apart from the NLP pipeline; a fake pipeline hands those mentions to the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pytest

from codesets.model import System
from models.codebook import TabularCodeBook
from models.engine import CodingEngine
from models.matching import TermMatcher
from models.rules import lexicon_data
from nlp.mention import Assertion, Cue, Mention, MentionLabel


@dataclass(frozen=True)
class Spec:
    """A mention to build: its words in the note, label, attributes and assertion flags."""

    phrase: str
    label: MentionLabel = MentionLabel.PROBLEM
    attributes: dict[str, str] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    occurrence: int = 0  # which occurrence of ``phrase`` in the note


def build_mentions(text: str, specs: Sequence[Spec]) -> list[Mention]:
    """Mentions at the offsets where each spec's phrase occurs in ``text``."""
    mentions = []
    for spec in specs:
        start = -1
        for _ in range(spec.occurrence + 1):
            start = text.index(spec.phrase, start + 1)
        cues = tuple(Cue(flag, flag, start, start) for flag in spec.flags)
        assertion = Assertion(**dict.fromkeys(spec.flags, True), cues=cues)
        mentions.append(
            Mention(
                spec.phrase,
                start,
                start + len(spec.phrase),
                MentionLabel(spec.label),
                "assessment",
                0,
                dict(spec.attributes),
                assertion,
            )
        )
    return mentions


@dataclass
class _Doc:
    mentions: list[Mention]


class FakePipeline:
    """Returns the mentions built from ``specs`` for whatever note it is given."""

    def __init__(self, specs: Sequence[Spec]) -> None:
        self.specs = list(specs)

    def process(self, text: str) -> _Doc:
        """The hand-built mentions of ``text``."""
        return _Doc(build_mentions(text, self.specs))


@pytest.fixture(scope="session")
def codebook() -> TabularCodeBook:
    """ICD-10-CM FY2026 from the packaged tabular (no cache needed)."""
    return TabularCodeBook.load()


@pytest.fixture(scope="session")
def matcher(codebook: TabularCodeBook) -> TermMatcher:
    """The phrase matcher over tabular names and the lexicon."""
    lexicon = [(e.phrase, e.code) for e in lexicon_data().entries]
    return TermMatcher.build(codebook.terms(System.ICD10CM), lexicon)


EngineFactory = Callable[[Sequence[Spec]], CodingEngine]


@pytest.fixture(scope="session")
def engine_for(codebook: TabularCodeBook, matcher: TermMatcher) -> EngineFactory:
    """An engine whose pipeline returns the given hand-built mentions."""

    def make(specs: Sequence[Spec]) -> CodingEngine:
        return CodingEngine(
            codebook=codebook,
            pipeline=FakePipeline(specs),
            matcher=matcher,
            pipeline_version="test",
        )

    return make


@pytest.fixture(scope="session")
def spec() -> type[Spec]:
    """The ``Spec`` record, for tests to build mentions with."""
    return Spec


@pytest.fixture(scope="session")
def mentions_of() -> Callable[[str, Sequence[Spec]], list[Mention]]:
    """``build_mentions``, for tests of single stages."""
    return build_mentions
