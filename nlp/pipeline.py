"""The clinical pipeline: note text -> ``ClinicalDocument`` (sections, sentences, mentions).

``build_pipeline`` makes the spaCy ``Language`` (``spacy.blank("en")`` plus our components and
medSpaCy's ConText); ``ClinicalPipeline`` runs it with per-stage timings and turns the doc into
plain records. Long notes are processed in chunks cut at line ends, because ConText compares
every cue with every other cue and every mention of a doc (quadratic in a long text); notes
over ``MAX_NOTE_CHARS`` are refused with ``InvalidNoteText``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

import nlp.components
import nlp.sentences  # noqa: F401 - registers the cac_sentences component
from codesets.model import Term
from nlp.assertions import (
    CONTEXT_COMPONENT,
    add_context,
    assertion_of,
    historical_cues,
    set_targets,
)
from nlp.attributes import AttributeFinder
from nlp.budget import check
from nlp.components import MentionComponent, configure_tokenizer
from nlp.document import Abbreviation, ClinicalDocument, Section, StageTimings
from nlp.errors import InvalidNoteText
from nlp.extensions import register_extensions
from nlp.mention import Assertion, Cue, Mention
from nlp.mentions import Found, MentionFinder
from nlp.rules import abbreviation_lexicon, attribute_rules, context_rules, rules_checksum
from nlp.sections import SectionComponent, SectionFinder
from nlp.terminology import TermIndex, cache_directory, load_default_index, load_index

log = logging.getLogger(__name__)

PIPELINE_VERSION = "1.0.0"
# ConText compares every cue with every mention of a doc: chunks keep that product small
CHUNK_CHARS = 4_000
# about a hundred pages; a longer "note" is a concatenation or a file read by mistake
MAX_NOTE_CHARS = 300_000
_SURROGATE = re.compile("[\ud800-\udfff]")
_STAGES = {
    "cac_sections": "sections",
    "cac_sentences": "sentences",
    "cac_text_abbreviations": "abbreviations",
    "cac_mentions": "mentions",
    CONTEXT_COMPONENT: "assertions",
}


def build_pipeline(
    terms: Iterable[Term] | None = None,
    *,
    index: TermIndex | None = None,
    cache_dir: Path | None = None,
    fuzzy: bool = True,
) -> Language:
    """The spaCy pipeline; ``terms=None`` loads every code set's terms (cached index)."""
    register_extensions()
    if index is None:
        if terms is None:
            index = load_default_index(cache_dir or cache_directory())
        else:
            index = load_index(terms, cache_dir)
    nlp = spacy.blank("en")
    configure_tokenizer(nlp)
    nlp.add_pipe("cac_sections")
    nlp.add_pipe("cac_sentences")
    nlp.add_pipe("cac_text_abbreviations")
    mentions = nlp.add_pipe("cac_mentions")
    assert isinstance(mentions, MentionComponent)
    mentions.finder = MentionFinder(index, abbreviation_lexicon(), fuzzy=fuzzy)
    mentions.attributes = AttributeFinder(attribute_rules())
    add_context(nlp, context_rules())
    nlp.meta["cac_index_checksum"] = index.checksum
    nlp.meta["cac_fuzzy"] = fuzzy
    return nlp


def config_hash(index_checksum: str, *, fuzzy: bool) -> str:
    """A short hash of everything that changes the output: version, rules, terms, options."""
    digest = hashlib.sha256(
        f"{PIPELINE_VERSION}|{rules_checksum()}|{index_checksum}|fuzzy={fuzzy}".encode()
    )
    return digest.hexdigest()[:16]


class ClinicalPipeline:
    """Runs the pipeline on note text and returns ``ClinicalDocument`` records."""

    def __init__(
        self,
        terms: Iterable[Term] | None = None,
        *,
        index: TermIndex | None = None,
        cache_dir: Path | None = None,
        fuzzy: bool = True,
    ) -> None:
        self.nlp = build_pipeline(terms, index=index, cache_dir=cache_dir, fuzzy=fuzzy)
        self.version = PIPELINE_VERSION
        self.config_hash = config_hash(str(self.nlp.meta["cac_index_checksum"]), fuzzy=fuzzy)
        sectionizer = self.nlp.get_pipe("cac_sections")
        assert isinstance(sectionizer, SectionComponent)
        self.sections: SectionFinder = sectionizer.finder
        mentions = self.nlp.get_pipe("cac_mentions")
        assert isinstance(mentions, MentionComponent) and mentions.attributes is not None
        self.attributes: AttributeFinder = mentions.attributes
        self._after_sections = [(n, p) for n, p in self.nlp.pipeline if n != "cac_sections"]

    def process(self, text: str) -> ClinicalDocument:
        """Read one note: sections, sentences, abbreviations, mentions with assertions."""
        if not isinstance(text, str):
            raise InvalidNoteText(f"the note must be text, not {type(text).__name__}")
        if len(text) > MAX_NOTE_CHARS:
            raise InvalidNoteText(
                f"the note has {len(text):,} characters; the limit is {MAX_NOTE_CHARS:,}"
            )
        times = dict.fromkeys(("tokenize", *_STAGES.values()), 0.0)
        if not text.strip():
            return ClinicalDocument(text=text)
        started = time.perf_counter()
        sections = self.sections.find(text)
        times["sections"] += (time.perf_counter() - started) * 1000
        sentences: list[tuple[int, int]] = []
        mentions: list[Mention] = []
        abbreviations: list[Abbreviation] = []
        section_starts = [s.start for s in sections]
        for base, chunk in _chunks(text):
            doc = self._run(chunk, _clip(sections, base, len(chunk)), times)
            started = time.perf_counter()
            first = len(sentences)
            sentences.extend((s + base, e + base) for s, e in doc._.cac_sentences)
            starts = [s for s, _e in doc._.cac_sentences]
            headers = [(s.header_start, s.header_end) for s in doc._.cac_sections]
            historical = historical_cues(doc)
            for span in doc.spans["cac_mentions"]:
                found: Found = span._.cac_found
                section = _section_at(sections, section_starts, found.start + base)
                if section is not None and found.end + base <= section.header_end:
                    continue  # a header's own words ("PRESENT ILLNESS:") name a part of the note
                assertion = _with_section(
                    assertion_of(span, chunk, starts, base, headers, historical),
                    section,
                    self.sections,
                    text,
                )
                mentions.append(
                    Mention(
                        text=text[found.start + base : found.end + base],
                        start=found.start + base,
                        end=found.end + base,
                        label=found.label,
                        section=section.name if section else None,
                        sentence_index=first + max(bisect_right(starts, found.start) - 1, 0),
                        attributes=dict(found.attributes),
                        assertion=assertion,
                        concepts=found.concepts,
                        expansion=found.expansion,
                    )
                )
            abbreviations.extend(
                Abbreviation(a.short, a.long, a.start + base, a.end + base)
                for a in doc._.cac_abbreviations or []
            )
            times["assertions"] += (time.perf_counter() - started) * 1000
        return ClinicalDocument(
            text=text,
            sections=sections,
            sentences=sentences,
            mentions=mentions,
            abbreviations=abbreviations,
            timings=StageTimings(**times),
        )

    def assess(self, text: str, targets: Sequence[tuple[int, int]]) -> list[Assertion]:
        """Assertions of given spans of ``text`` (used to score against annotated corpora)."""
        if not isinstance(text, str) or len(text) > MAX_NOTE_CHARS:
            raise InvalidNoteText(
                f"the text must be a str of at most {MAX_NOTE_CHARS:,} characters"
            )
        sections = self.sections.find(text)
        doc = self._make_doc(text)
        doc._.cac_sections = sections
        for name, proc in self._after_sections:
            if name == "cac_sentences":
                doc = proc(doc)
        spans = []
        for start, end in targets:
            span = doc.char_span(start, end, label="TARGET", alignment_mode="expand")
            if span is None:
                raise InvalidNoteText("a target span lies outside the text")
            spans.append(span)
        set_targets(doc, spans)
        doc = self.nlp.get_pipe(CONTEXT_COMPONENT)(doc)
        starts = [s for s, _e in doc._.cac_sentences]
        section_starts = [s.start for s in sections]
        headers = [(s.header_start, s.header_end) for s in sections]
        historical = historical_cues(doc)
        return [
            _with_section(
                assertion_of(span, text, starts, 0, headers, historical),
                _section_at(sections, section_starts, span.start_char),
                self.sections,
                text,
            )
            for span in doc.spans["cac_mentions"]
        ]

    def _make_doc(self, text: str) -> Doc:
        encodable = _encodable(text)
        doc = self.nlp.make_doc(encodable)
        doc._.cac_text = encodable  # spaCy keeps a text exactly: doc.text == encodable
        return doc

    def _run(self, chunk: str, sections: list[Section], times: dict[str, float]) -> Doc:
        started = time.perf_counter()
        doc = self._make_doc(chunk)
        times["tokenize"] += (time.perf_counter() - started) * 1000
        doc._.cac_sections = sections
        for name, proc in self._after_sections:
            check(_STAGES.get(name, name))
            started = time.perf_counter()
            doc = proc(doc)
            times[_STAGES.get(name, "mentions")] += (time.perf_counter() - started) * 1000
        return doc


def _encodable(text: str) -> str:
    # spaCy stores strings as UTF-8: a lone surrogate (bytes decoded with "surrogateescape")
    # cannot be stored; U+FFFD is one code point too, so every offset stays the same
    return _SURROGATE.sub("\ufffd", text)


def _with_section(
    assertion: Assertion, section: Section | None, finder: SectionFinder, text: str
) -> Assertion:
    info = finder.info.get(section.name) if section else None
    if section is None or info is None or not (info.historical or info.family):
        return assertion
    header = text[section.header_start : section.header_end].rstrip(": \t")
    end = section.header_start + len(header)
    extra: list[Cue] = []
    if info.historical:
        extra.append(Cue("historical", header, section.header_start, end))
    if info.family:
        extra.append(Cue("family", header, section.header_start, end))
    return Assertion(
        negated=assertion.negated,
        uncertain=assertion.uncertain,
        historical=assertion.historical or info.historical,
        hypothetical=assertion.hypothetical,
        family=assertion.family or info.family,
        cues=tuple(sorted([*assertion.cues, *extra], key=lambda c: (c.start, c.category))),
    )


def _section_at(sections: list[Section], starts: list[int], offset: int) -> Section | None:
    k = bisect_right(starts, offset) - 1
    if k < 0 or offset >= sections[k].end:
        return None
    return sections[k]


def _clip(sections: list[Section], base: int, length: int) -> list[Section]:
    # the sections seen from one chunk, in its own offsets; headers before it are clipped to 0
    clipped = []
    for s in sections:
        if s.end <= base or s.start >= base + length:
            continue
        clipped.append(
            Section(
                s.name,
                max(s.start - base, 0),
                min(s.end - base, length),
                max(s.header_start - base, 0),
                max(s.header_end - base, 0),
            )
        )
    return clipped


def _chunks(text: str) -> Iterable[tuple[int, str]]:
    if len(text) <= CHUNK_CHARS:
        yield 0, text
        return
    position = 0
    while position < len(text):
        end = min(position + CHUNK_CHARS, len(text))
        if end < len(text):
            cut = text.rfind("\n", position + CHUNK_CHARS // 2, end)
            if cut < 0:
                cut = text.rfind(" ", position + CHUNK_CHARS // 2, end)
            end = cut + 1 if cut >= 0 else end
        yield position, text[position:end]
        position = end
