"""Sentence boundaries for clinical text, found on the raw characters and set on the tokens.

Rules: a blank line, a list item, a section header or a line after one that ends in terminal
punctuation (or is not a wrapped continuation) starts a sentence; inside a line, ``.?!`` followed
by a space and an upper-case letter or digit ends one, except after known abbreviations with
periods ("Dr.", "e.g.", "b.i.d.") and single initials. Hard-wrapped prose (a line ending in a
lower-case word or a comma, continued in lower case) stays one sentence.

medSpaCy's PyRuSH is accurate but far slower; this costs a few regular-expression passes per note.
"""

import itertools
import re
from bisect import bisect_left

import numpy as np
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from nlp.document import Section
from nlp.extensions import doc_text, register_extensions

# words that end in a period without ending the sentence (compared lower-cased, without the dot)
_ABBREVIATIONS = frozenset(
    [
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "sr",
        "jr",
        "st",
        "vs",
        "etc",
        "approx",
        "appt",
        "dept",
        "e.g",
        "i.e",
        "b.i.d",
        "t.i.d",
        "q.i.d",
        "q.d",
        "p.o",
        "p.r.n",
        "a.m",
        "p.m",
        "no",
        "nos",
        "fig",
        "resp",
        "temp",
        "max",
        "min",
        "avg",
        "yr",
        "yrs",
        "mo",
        "mos",
        "wk",
        "wks",
        "hr",
        "hrs",
        "pt",
        "pts",
        "dx",
        "hx",
        "tx",
        "rx",
        "sx",
        "fx",
        "neg",
        "pos",
        "abd",
        "ext",
        "cont",
        "inc",
        "est",
        "dept",
        "univ",
        "mg",
        "mcg",
        "ml",
        "dl",
        "cm",
        "mm",
        "kg",
        "lb",
        "lbs",
        "oz",
        "in",
        "ft",
        "sq",
        "q.h",
        "q.a.m",
        "h.s",
        "c.f",
        "cf",
        "al",
        "viz",
        "approx",
    ]
)
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*•·◦▪]|\(?\d{1,2}[.)](?=\s)|\(?[a-zA-Z][.)](?=\s)|#)")
_TERMINAL = re.compile(r"[.?!:;]['\")\]]*$")
# from the first mark of a run only: trying each mark of a long run ("....") was quadratic
_INLINE_END = re.compile(r"(?<![.?!])([.?!]+)['\")\]]*[ \t]+(?=[\"'(\[]?[A-Z0-9])")
# words a number follows as their value ("stage 5", "grade 2", "NYHA class 3"), never as an item
_VALUE_WORDS = frozenset(
    {"stage", "grade", "class", "type", "level", "score", "phase", "step", "tier", "gcs", "size"}
)
_INLINE_LIST = re.compile(r"(?<=[ \t])\(?\d{1,2}[.)][ \t]+(?=[A-Za-z])")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_WORD_BEFORE = re.compile(r"(\S+)$")
# the word before a period is read from this many characters back, not from the note's start
# (that was quadratic); a longer word is no abbreviation, initial or short number anyway
_WORD_WINDOW = 64


def sentence_starts(text: str, sections: list[Section]) -> list[int]:
    """Character offsets where sentences start, sorted and unique."""
    starts: set[int] = {0}
    for section in sections:
        starts.add(section.header_start)
        starts.add(section.header_end)
    _line_starts(text, starts)
    for match in _INLINE_END.finditer(text):
        end = match.start(1)
        before = _WORD_BEFORE.search(text, max(end - _WORD_WINDOW, 0), end)
        word = before.group(1).lower().rstrip(".") if before else ""
        if match.group(1) == "." and (
            word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or word.isdigit()
        ):
            continue
        starts.add(match.end())
    for match in _INLINE_LIST.finditer(text):
        words = text[max(match.start() - _WORD_WINDOW, 0) : match.start()].split()
        if words and words[-1].lower().rstrip(":") in _VALUE_WORDS:
            # "CKD stage 5. Hypertension.": the number is the stage, and its period ends the
            # sentence, not a list item "5. Hypertension"
            if text[match.start() : match.end()].rstrip().endswith("."):
                starts.add(match.end())
            continue
        starts.add(match.start())
    return sorted(s for s in starts if s < len(text))


def _line_starts(text: str, starts: set[int]) -> None:
    previous = ""
    position = 0
    for match in _NEWLINE.finditer(text):
        line_start = match.end()
        line_end = _NEWLINE.search(text, line_start)
        line = text[line_start : line_end.start() if line_end else len(text)]
        previous = text[position : match.start()]
        position = line_start
        prev = previous.rstrip()
        current = line.lstrip()
        wrapped = (
            prev != ""
            and current != ""
            and (prev[-1].islower() or prev[-1] == ",")
            and (current[0].islower() or current[0] == "(")
            and _LIST_ITEM.match(line) is None
        )
        if not wrapped:
            starts.add(line_start + (len(line) - len(current)))


def spans_from_starts(text: str, starts: list[int]) -> list[tuple[int, int]]:
    """Sentences as (start, end) character offsets, trimmed of surrounding whitespace."""
    sentences: list[tuple[int, int]] = []
    bounds = [*starts, len(text)]
    for begin, end in itertools.pairwise(bounds):
        chunk = text[begin:end]
        stripped = chunk.strip()
        if not stripped:
            continue
        left = begin + (len(chunk) - len(chunk.lstrip()))
        sentences.append((left, left + len(stripped)))
    return sentences


def set_token_starts(doc: Doc, sentences: list[tuple[int, int]]) -> None:
    """Mark the first token of each sentence (the others stay unset: not a start)."""
    if len(doc) == 0:
        return
    idx = doc.to_array([IDX]).ravel()
    firsts = np.searchsorted(idx, [start for start, _end in sentences], side="left")
    # one array for the whole doc (1 a start, 0 unset, -1 not a start), not a Token per mark
    marks = np.zeros(len(doc), dtype=np.int64)
    marks[firsts[firsts < len(doc)]] = 1
    marks[0] = 1
    if marks[-1] == 0:
        # spaCy counts boundaries as annotated only when some token past the first is marked
        marks[-1] = -1
    # uint64, as ``to_array`` gives (thinc's ``Ints2d`` annotation names signed ints only)
    doc.from_array([SENT_START], marks.astype(np.uint64).reshape(-1, 1))  # type: ignore[arg-type]


def sentence_index(starts: list[int], offset: int) -> int:
    """The index of the sentence holding ``offset`` among sentences starting at ``starts``."""
    return max(bisect_left(starts, offset + 1) - 1, 0)


@Language.component(
    "cac_sentences",
    requires=["doc._.cac_sections"],
    assigns=["token.is_sent_start", "doc._.cac_sentences"],
)
def split_sentences(doc: Doc) -> Doc:
    """Split one doc into sentences (character offsets and token starts)."""
    register_extensions()
    sections = doc._.cac_sections or []
    text = doc_text(doc)
    sentences = spans_from_starts(text, sentence_starts(text, sections))
    doc._.cac_sentences = sentences
    set_token_starts(doc, sentences)
    return doc
