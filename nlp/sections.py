"""Section detection: clinical headers found by one compiled expression over the note text.

A header opens a section when it ends with a colon (at a line start, after a sentence end or
after a run of spaces, as in text flattened from a form), or when it stands at a line start in
upper case or alone on its line ("ASSESSMENT AND PLAN", "Plan"). Headers that are everyday words
("plan", "exam", "course") are therefore never taken from the middle of a sentence.

medSpaCy's sectionizer was the first choice; it is token based and its line-start requirement is
all-or-nothing: it cannot accept "Plan:" mid-line and refuse "the plan is" at once, which one
regular expression over the raw text does. Speed is not the reason: on the CodiEsp dev notes
both cost about 0.1-0.2 ms a note.
"""

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from nlp.document import Section
from nlp.extensions import doc_text, register_extensions
from nlp.rules import SectionRules, section_rules


@dataclass(frozen=True, slots=True)
class SectionInfo:
    """What a section name implies for the assertions of the mentions under it."""

    historical: bool
    family: bool


class SectionFinder:
    """Finds section headers in note text with rules from ``sections.json``."""

    def __init__(self, rules: SectionRules) -> None:
        self._names: dict[str, str] = {}
        self.info: dict[str, SectionInfo] = {}
        for rule in rules.sections:
            self.info[rule.name] = SectionInfo(rule.historical, rule.family)
            for header in rule.headers:
                self._names.setdefault(_key(header), rule.name)
        spellings = sorted(self._names, key=len, reverse=True)
        alternatives = "|".join(_spelling_pattern(s) for s in spellings)
        upper = "|".join(_spelling_pattern(s.upper()) for s in spellings)
        # a header with its colon, where a header can start; after two spaces only at the start
        # of a run of blanks (trying each blank of a long run was quadratic: 50,000 spaces hung)
        self._colon = re.compile(
            rf"(?:^|(?<=[\n\r])|(?<=[.!?]\s)|(?<=\s\s)(?<![ \t]{{3}})|(?<=\|))"
            rf"[ \t]*(?P<h>{alternatives})[ \t]*:",
            re.IGNORECASE | re.MULTILINE,
        )
        # a header without colon: alone on its line (any case), or in upper case opening a line
        # and set off by a dash or a run of spaces ("HPI  45 y/o ..."), never by one space
        # ("HISTORY OF GIANT CELL ARTERITIS." is a sentence)
        self._line = re.compile(
            rf"^[ \t]*(?:[-*#=]+[ \t]*)?(?P<h>{alternatives})[ \t]*(?:[-=*#]+[ \t]*)?$",
            re.IGNORECASE | re.MULTILINE,
        )
        self._upper = re.compile(
            rf"^[ \t]*(?P<h>{upper})(?=[ \t]+-[ \t]|[ \t]{{2,}}\S)",
            re.MULTILINE,
        )

    def find(self, text: str) -> list[Section]:
        """Every section of ``text`` in order; the last one runs to the end of the text."""
        headers: dict[int, tuple[int, int, str]] = {}
        found = (self._colon_matches(text), self._line.finditer(text), self._upper.finditer(text))
        for kind, matches in enumerate(found):
            for match in matches:
                start, end = match.span("h")
                name = self._names.get(_key(match.group("h")))
                if name is None:
                    continue
                header_end = match.end() if kind == 0 else end  # a colon header ends at its colon
                if start not in headers:
                    headers[start] = (start, header_end, name)
        ordered = sorted(headers.values())
        sections: list[Section] = []
        for i, (start, header_end, name) in enumerate(ordered):
            if sections and start < sections[-1].header_end:
                continue  # a header inside another header's words ("history" in "... history:")
            end = ordered[i + 1][0] if i + 1 < len(ordered) else len(text)
            sections.append(Section(name, start, end, start, header_end))
        # fix the ends after skipping nested headers: each section runs to the next kept one
        return [
            Section(
                s.name,
                s.start,
                min(
                    self._inline_end(text, s) or len(text),
                    sections[i + 1].start if i + 1 < len(sections) else len(text),
                ),
                s.header_start,
                s.header_end,
            )
            for i, s in enumerate(sections)
        ]

    def _colon_matches(self, text: str) -> Iterator[re.Match[str]]:
        """``self._colon.finditer(text)``, searched only on the lines that hold a colon.

        Every match ends with a colon and holds no line break, so the other lines cannot hold
        one; searching every position of a note for a header start was most of this stage. The
        look-behinds still see the text before a line (a search's ``pos`` does not cut it).
        """
        colon = text.find(":")
        while colon >= 0:
            line_start = text.rfind("\n", 0, colon) + 1
            line_end = text.find("\n", colon)
            if line_end < 0:
                line_end = len(text)
            yield from self._colon.finditer(text, line_start, line_end)
            colon = text.find(":", line_end)

    def _inline_end(self, text: str, section: Section) -> int | None:
        """The end of the line of a history or family history header written inline.

        "Family history: mother with breast cancer." is a whole section on one line: the
        narrative on the next line is the patient's own again. Only a line that ends a
        sentence closes the section, so a list wrapped over several lines stays in it.
        """
        info = self.info.get(section.name)
        if info is None or not (info.family or info.historical):
            return None
        line_end = text.find("\n", section.header_end)
        if line_end < 0:
            return None
        rest = text[section.header_end : line_end].strip()
        if not rest or rest[-1] not in ".!?":
            return None
        return line_end + 1  # the line break is the section's last character


def section_name_at(sections: list[Section], starts: list[int], offset: int) -> str | None:
    """The name of the section holding ``offset`` (``starts`` are the sections' starts)."""
    i = bisect_right(starts, offset) - 1
    if i < 0 or offset >= sections[i].end:
        return None
    return sections[i].name


def _key(header: str) -> str:
    return re.sub(r"\s*/\s*", "/", " ".join(header.lower().replace("&", " & ").split()))


def _spelling_pattern(spelling: str) -> str:
    # any run of spaces between words; "&" and "/" may have spaces around them
    parts = [re.escape(p) for p in spelling.replace("&", " & ").split()]
    joined = r"[ \t]+".join(parts).replace(r"[ \t]+\&[ \t]+", r"[ \t]*\&[ \t]*")
    return joined.replace(r"/", r"[ \t]*/[ \t]*")


class SectionComponent:
    """Sets ``doc._.cac_sections`` from the raw text."""

    def __init__(self, finder: SectionFinder) -> None:
        register_extensions()
        self.finder = finder

    def __call__(self, doc: Doc) -> Doc:
        """Find the sections of one doc."""
        doc._.cac_sections = self.finder.find(doc_text(doc))
        return doc


@Language.factory("cac_sections", assigns=["doc._.cac_sections"])
def make_section_finder(nlp: Language, name: str) -> SectionComponent:
    """The section stage with the packaged rules."""
    return SectionComponent(SectionFinder(section_rules()))
