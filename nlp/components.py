"""The spaCy components of the pipeline that hold state: the tokenizer tweak and mentions.

``cac_mentions`` reads sections and the text-defined abbreviations (scispaCy's detector), finds
mentions and their attributes, and writes them as the ``cac_mentions`` span group that ConText
reads. Its finder is attached after construction (a term index is not a spaCy config value).
"""

import re
import threading
from bisect import bisect_right
from collections.abc import Callable
from functools import partial

from scispacy.abbreviation import AbbreviationDetector
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span
from spacy.util import compile_infix_regex, compile_suffix_regex

from nlp.assertions import set_targets
from nlp.attributes import AttributeFinder
from nlp.document import Abbreviation
from nlp.extensions import doc_text, register_extensions
from nlp.mentions import MentionFinder
from nlp.token_matching import ParenthesisMatcher, SequenceMatcher

_SUFFIX_WINDOW = 100
# a text whose runs of whitespace and of other characters are all within the window (str.isspace
# is \s): fullmatch reads each character once (possessive repeats never step back), where
# searching for a longer run tried both runs from every position (0.013 ms a note, not 0.065)
_SHORT_RUNS = re.compile(
    rf"\s{{0,{_SUFFIX_WINDOW}}}+(?:\S{{1,{_SUFFIX_WINDOW}}}+\s{{1,{_SUFFIX_WINDOW}}}+)*+"
    rf"\S{{0,{_SUFFIX_WINDOW}}}+"
)


def configure_tokenizer(nlp: Language) -> None:
    """Split "y/o", "s/p", "N/V" into words so cues and terms see each part; bound suffix search.

    spaCy searches its ``...$`` suffix expression over the whole remaining token once per suffix
    it peels off, which is quadratic in a long unbroken run (4,000 emoji or closing parentheses
    took seconds); only the last ``_SUFFIX_WINDOW`` characters can hold a suffix (a run of dots
    longer than that becomes several tokens). That bound is a Python call per suffix search (a
    twentieth of all the coder's time), so texts without a run longer than the window, where it
    changes nothing, are read by a tokenizer that calls the expression's C search directly.
    """
    infixes = [*(nlp.Defaults.infixes or ()), r"(?<=[A-Za-z0-9])/(?=[A-Za-z0-9])"]
    plain = nlp.tokenizer
    if not isinstance(plain, Tokenizer):
        return
    plain.infix_finditer = compile_infix_regex(infixes).finditer
    # the plain tokenizer keeps spaCy's suffix search, the C ``search`` of this same expression
    # (spaCy compiles it from the same suffixes); each setter reloads the special cases (0.1 s)
    suffixes = compile_suffix_regex(nlp.Defaults.suffixes or ())
    nlp.tokenizer = RunBoundedTokenizer(plain, partial(_bounded_copy, plain, suffixes))


def _bounded_copy(plain: Tokenizer, suffixes: re.Pattern[str]) -> Tokenizer:
    return Tokenizer(
        plain.vocab,
        rules=plain.rules,
        prefix_search=plain.prefix_search,
        suffix_search=partial(_suffix_near_end, suffixes),
        infix_finditer=plain.infix_finditer,
        token_match=plain.token_match,
        url_match=plain.url_match,
        faster_heuristics=plain.faster_heuristics,
    )


class RunBoundedTokenizer:
    """The bounded tokenizer for a text with a run longer than ``_SUFFIX_WINDOW``, else ``plain``.

    spaCy's tokenizer cuts a text into runs of whitespace and runs of other characters and
    searches suffixes within one run, so when no run is longer than the window both tokenizers
    search every suffix from the token's start and give the same tokens. The bounded one is
    made on first need: loading a tokenizer's special cases takes a noticeable part of a second.
    """

    def __init__(self, plain: Tokenizer, make_bounded: Callable[[], Tokenizer]) -> None:
        self.plain = plain
        self._make_bounded = make_bounded
        self._bounded: Tokenizer | None = None
        self._lock = threading.Lock()

    def __call__(self, text: str) -> Doc:
        """Tokenize ``text``."""
        tokenizer = self.plain
        if _SHORT_RUNS.fullmatch(text) is None:
            with self._lock:
                if self._bounded is None:
                    self._bounded = self._make_bounded()
            tokenizer = self._bounded
        doc: Doc = tokenizer(text)
        return doc


def _suffix_near_end(suffixes: re.Pattern[str], token: str) -> re.Match[str] | None:
    # spaCy reads only the match's length; lookbehinds still see the characters before ``pos``
    return suffixes.search(token, max(len(token) - _SUFFIX_WINDOW, 0))


def text_abbreviations(doc: Doc) -> list[Abbreviation]:
    """Abbreviations defined in the text ("chronic kidney disease (CKD)"), every occurrence."""
    if not Doc.has_extension("abbreviations"):
        return []
    found = [
        Abbreviation(span.text, str(span._.long_form), span.start_char, span.end_char)
        for span in doc._.abbreviations
        if span._.long_form is not None
    ]
    return sorted(found, key=lambda a: a.start)


class MentionComponent:
    """Finds mentions and their attributes; writes the ``cac_mentions`` span group."""

    def __init__(self) -> None:
        register_extensions()
        self.finder: MentionFinder | None = None
        self.attributes: AttributeFinder | None = None

    def __call__(self, doc: Doc) -> Doc:
        """Find the mentions of one doc."""
        if self.finder is None or self.attributes is None:
            raise RuntimeError("cac_mentions used before build_pipeline attached its finder")
        text = doc_text(doc)
        sections = doc._.cac_sections or []
        sentences: list[tuple[int, int]] = doc._.cac_sentences or []
        defined = text_abbreviations(doc)
        found = self.finder.find(text, sections, defined)
        hits = self.attributes.hits(text) if found else []
        hit_starts = [h.start for h in hits]
        sentence_starts = [s for s, _e in sentences]
        spans: list[Span] = []
        lexicon: list[Abbreviation] = []
        defined_at = {a.start for a in defined}
        for n, item in enumerate(found):
            span = doc.char_span(
                item.start, item.end, label=str(item.label), alignment_mode="expand"
            )
            if span is None or len(span) == 0:
                continue
            k = bisect_right(sentence_starts, item.start) - 1
            sentence = sentences[k] if k >= 0 else (0, len(text))
            # a modifier belongs to the nearest mention: never reach past a neighbouring one
            # (halfway to it: "neuropathy, presents with acute chest pain" - acute is the pain's)
            low, high = sentence
            if n and found[n - 1].end > low:
                low = (found[n - 1].end + item.start) // 2
            if n + 1 < len(found) and found[n + 1].start < high:
                high = (item.end + found[n + 1].start) // 2
            item.attributes = self.attributes.assign(
                hits, hit_starts, item.start, item.end, (low, high)
            )
            span._.cac_found = item
            spans.append(span)
            if item.expansion is not None and item.start not in defined_at:
                lexicon.append(
                    Abbreviation(text[item.start : item.end], item.expansion, item.start, item.end)
                )
        set_targets(doc, spans)
        doc._.cac_abbreviations = sorted([*defined, *lexicon], key=lambda a: a.start)
        return doc


@Language.factory(
    "cac_mentions",
    requires=["doc._.cac_sections", "doc._.cac_sentences"],
    assigns=["doc.spans", "doc._.cac_abbreviations"],
)
def make_mention_component(nlp: Language, name: str) -> MentionComponent:
    """The mention stage; ``finder`` and ``attributes`` are attached by ``build_pipeline``."""
    return MentionComponent()


class TextAbbreviations:
    """scispaCy's abbreviation detector, run only on notes with a parenthesis.

    Schwartz & Hearst definitions need "(": without one the detector has nothing to find.
    """

    def __init__(self, nlp: Language) -> None:
        self.detector = AbbreviationDetector(nlp)
        # scispaCy pairs every "(" with every later ")" ("+" operator: quadratic in a note with
        # thousands of parentheses, 10 s for 5,000 nested) and then drops the pairs with more
        # than 8 words inside; asking for those pairs only gives the same result. spaCy's
        # ``Matcher`` took 0.1 ms a note for them, the attribute array a tenth of that
        # (``nlp.token_matching``: the same matches in the same order).
        self.detector.matcher = ParenthesisMatcher(nlp.vocab, "parenthesis")
        # The detector adds each short form it defines to one shared matcher, finds the other
        # occurrences and removes them again: two threads at once (the service's request
        # threads) would see and remove each other's forms, so one doc is read at a time. Its
        # patterns are always one ORTH per word, which ``SequenceMatcher`` finds without spaCy's
        # validation of each pattern (pydantic, a fifth of the detector's time) or its
        # ``Matcher``'s walk over the doc's tokens.
        self.detector.global_matcher = SequenceMatcher(nlp.vocab)
        self._lock = threading.Lock()

    def __call__(self, doc: Doc) -> Doc:
        """Find the abbreviations defined in one doc's text."""
        if "(" not in doc_text(doc):
            return doc
        with self._lock:
            found: Doc = self.detector(doc)
        return found


@Language.factory("cac_text_abbreviations", assigns=["doc._.abbreviations"])
def make_text_abbreviations(nlp: Language, name: str) -> TextAbbreviations:
    """The text-defined abbreviation stage (scispaCy's detector)."""
    return TextAbbreviations(nlp)
