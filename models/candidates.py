"""Candidate ICD-10-CM codes from the pipeline's mentions.

Each problem or symptom mention is looked up in order of trust: longer readings of it from the
note (the words just before it, its "with ..." clause, its site and laterality) matched exactly;
the exact token bag of its own words (or its abbreviation's expansion) among curated phrases,
index paths and tabular names; the pipeline's own concept matches; the largest partial bag that
keeps a content word; and, for what all of these miss, the semantic matcher (batched over the
note). A neoplasm mention that reaches only the Table of Neoplasms' site-unspecified line
(C80.1, C79.9) takes the Table cell of the site its clause names (``models.neoplasm``), and
enlarged lymph nodes of a named region are localized (R59.0). The code found is then walked
down to the billable leaf the mention's attributes support. Mentions that name a vaccine, a
test or a tumour marker ("CA 125"), or sit in the provider's stated-MDM line, are skipped.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from codesets.model import System
from models.candidate import Candidate, Span
from models.codebook import CodeBook
from models.combinations import apply_nicotine_product, apply_stroke_sequelae
from models.matching import Match, TermMatcher, bag, words
from models.neoplasm import UNSPECIFIED_SITE, behaviour, read_site
from models.specificity import refine, unspecified_with_detail
from nlp.budget import check
from nlp.mention import Mention, MentionLabel

_CODED_LABELS = (MentionLabel.PROBLEM, MentionLabel.SYMPTOM)
_MIN_PARTIAL = 0.5
# A condition word that names a vaccine or a test ("influenza vaccine", "strep test") is no
# diagnosis; nor is a word in the provider's statement of the MDM level.
_NOT_A_DIAGNOSIS_AFTER = re.compile(
    r"[\s-]{0,2}(?:virus\s+)?(?:vaccines?|vaccinations?|immuni[sz]ations?|shots?|tests?|"
    r"screen(?:ing)?|antigen|pcr|swab|markers?)\b",
    re.IGNORECASE,
)
# "CA 125", "CA 19-9", "Ca 15.3": tumour markers (laboratory tests), not cancer.
_TUMOUR_MARKER = re.compile(r"[ \t]*[-]?[ \t]*\d", re.IGNORECASE)
_WORDS_AROUND_BEHAVIOUR = 2
# Enlarged lymph nodes of a named region are localized (Index: Enlarged, lymph gland or node,
# localized R59.0): "inguinal adenopathy", "adenopathy in the left axilla".
_LOCALIZED_NODES = re.compile(
    r"\b(?:cervical|laterocervical|inguinal|axillary|axilla|groin|neck|mediastinal|hilar|"
    r"perihilar|paratracheal|subcarinal|retroperitoneal|supraclavicular|para-?aortic|"
    r"periaortic|mesenteric|submandibular|iliac|pelvic|abdominal|jugular|occipital|"
    r"preauricular|locoregional|regional|localized|popliteal|celiac|portal)\b",
    re.IGNORECASE,
)
_NODES_UNSPECIFIED = "R59.9"
_NODES_LOCALIZED = "R59.0"
_NODE_SITE_WORDS = 4
_MDM_LINE = re.compile(r"^\s*(?:medical decision[- ]making|mdm)\b", re.IGNORECASE)
# "X with Y" / "X due to Y" right after a mention: the combination the index often names.
_CLAUSE_AFTER = re.compile(
    r",?\s+(?:with|without|due to|secondary to|of the|of)\s+[a-z0-9][a-z0-9 \-]{1,50}?"
    r"(?=\s*(?:[.,;:()\n]|$))",
    re.IGNORECASE,
)
_WORDS_BEFORE = re.compile(r"((?:[A-Za-z0-9][\w\-]*\s+){1,2})$")
# how far back the words before a mention are read: searching the whole line before each
# mention was quadratic (a 50,000-character line of "pain pain ..." took 8 s)
LOOK_BACK = 200
# The last two runs of non-space characters, read backwards: a match of ``_WORDS_BEFORE`` (one
# or two words, each followed by spaces) cannot start before them, so searching from there
# gives the same match without trying every position of the window (a fifth of the time).
_TWO_RUNS_REVERSED = re.compile(r"\s*\S*\s*\S*")
# missed phrases go to the semantic matcher this many at a time (the time budget is checked
# between slices: a note with thousands of unknown phrases would otherwise encode them at once)
SEMANTIC_SLICE = 128
# The one word right before a mention.
_LAST_WORD = re.compile(r"[A-Za-z0-9][\w\-]*\s+$")
# A short type word right after a mention ("influenza A", "hepatitis C"), on the same line.
_TYPE_AFTER = re.compile(r"[ \t]+(?:[A-Za-z]|[0-9]{1,2}|I{1,3}|IV)\b")
# A mention that is a section header's own words ("HISTORY OF PRESENT ILLNESS:") names a part
# of the note, not a condition: a short run of words from the line start up to a colon.
_HEADER_BEFORE = re.compile(r"^[ \t]*(?:[A-Za-z][\w/&\-]*[ \t]+){0,5}$")
_HEADER_AFTER = re.compile(r"[ \t]*:")
# Fractures: the index's "Fracture, traumatic, <bone>, <part>" rows, read from the clause that
# holds a bare "fracture" mention ("closed fracture of the neck of the right femur").
_FRACTURE = re.compile(r"\b(?:fractures?|fx)\b", re.IGNORECASE)
_NOT_TRAUMATIC = re.compile(r"\b(?:patholog|osteoporo|stress|fatigue|insufficiency)", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[.;:\n]")
_SIDE = re.compile(r"\b(?:right|left|bilateral)\b", re.IGNORECASE)
_DISPLACEMENT = re.compile(r"\b(?:non-?displaced|displaced)\b", re.IGNORECASE)
# Words of a fracture clause that describe the encounter, the side or the fracture's state
# (chosen later by attributes and 7th characters), never its bone or part.
_NOT_A_SITE = frozenset(
    [
        "fracture",
        "fx",
        "closed",
        "traumatic",
        "right",
        "left",
        "bilateral",
        "initial",
        "subsequent",
        "encounter",
        "routine",
        "healing",
        "delayed",
        "sequela",
        "x",
        "ray",
        "xray",
        "after",
        "week",
        "day",
        "month",
        "year",
        "ago",
        "injury",
        "follow",
        "up",
        "days",
        "assessment",
        "diagnosis",
        "principal",
        "patient",
        "non",
        "displaced",
        "nondisplaced",
    ]
)
# How the index spells a note's site words: "distal" parts are "distal end", a "midshaft" is the
# shaft, and the femur, pelvis and vertebra headings read "femur, femoral" and so on.
_SITE_SPELLINGS = {
    "midshaft": ("shaft",),
    "distal": ("distal", "end"),
    "proximal": ("proximal", "end"),
    "femur": ("femur", "femoral"),
    "pelvis": ("pelvis", "pelvic"),
    "vertebra": ("vertebra", "vertebral"),
}
_MAX_SITE_WORDS = 4
_FRACTURE_ROW = "fracture traumatic"  # the index heading every site row sits under
# Body sites that pick a code by name (limbs and paired parts), as the tabular names them;
# organ "sites" ("kidney function") are left out: they name no separate site-specific code.
_SITE_NAMES = {
    "leg": "lower limb",
    "arm": "upper limb",
    "thigh": "lower limb",
    "foot": "foot",
    "hand": "hand",
    "forearm": "forearm",
    "knee": "knee",
    "hip": "hip",
    "shoulder": "shoulder",
    "wrist": "wrist",
    "ankle": "ankle",
    "elbow": "elbow",
    "ear": "ear",
    "eye": "eye",
    "finger": "finger",
    "toe": "toe",
}


class SemanticMatcher(Protocol):
    """Finds codes for phrases that dictionary lookup missed."""

    def match(self, phrases: Sequence[str]) -> list[Match | None]:
        """The best code for each phrase, or ``None`` below the similarity threshold."""
        ...


@dataclass(frozen=True, slots=True)
class Found:
    """The code a mention names, how it was found, and the span of the words that named it."""

    match: Match
    via: str  # context | exact | concept | partial | semantic
    span: tuple[int, int] | None = None  # set when a longer reading than the mention matched
    attributes: tuple[tuple[str, str], ...] = ()  # read with the match, beyond the mention's


def _concept(mention: Mention) -> Match | None:
    # External-cause index rows name circumstances, not conditions; table rows need a column.
    icd = [
        c
        for c in mention.concepts
        if c.system in (System.ICD10CM, System.ICD10CM.value)
        and c.source not in ("eindex", "drug", "neoplasm")
    ]
    if not icd:
        return None
    best = max(icd, key=lambda c: c.score)
    return Match(best.code, best.term, best.source, best.score)


@dataclass(frozen=True, slots=True)
class Context:
    """Longer readings of a mention from the words around it, each with its exact span."""

    readings: tuple[tuple[str, int, int], ...]


def context_of(note: str, mention: Mention) -> Context:
    """Readings: the mention with the 1-2 words before it, with its following "with ..." clause,
    with its site and laterality attributes, and with a type word after it ("influenza A");
    exact matches only are taken from these."""
    readings: list[tuple[str, int, int]] = []
    line_start = note.rfind("\n", 0, mention.start) + 1
    after = _CLAUSE_AFTER.match(note, mention.end)
    if after is not None:
        readings.append((note[mention.start : after.end()], mention.start, after.end()))
    window = max(line_start, mention.start - LOOK_BACK)
    runs = _TWO_RUNS_REVERSED.match(note[window : mention.start][::-1])
    assert runs is not None  # every part of it may be empty
    before = _WORDS_BEFORE.search(note, mention.start - runs.end(), mention.start)
    if before is not None:
        start = before.start(1)
        readings.append((note[start : mention.end], start, mention.end))
        if after is not None:
            readings.append((note[start : after.end()], start, after.end()))
        nearest = _LAST_WORD.search(note, start, mention.start)
        if nearest is not None and nearest.start() > start:
            # the nearest word alone: "right lumbar pain" reads "lumbar pain" (not a filler
            # word: "for influenza" would read as the bare mention before "influenza A")
            shorter = note[nearest.start() : mention.end]
            if bag(shorter) != bag(mention.text):
                readings.append((shorter, nearest.start(), mention.end))
    site = mention.attributes.get("site", "").lower()
    side = mention.attributes.get("laterality", "")
    if site in _SITE_NAMES:
        named = _SITE_NAMES[site]
        for words in (f"{mention.text} {side} {named}", f"{mention.text} {named}"):
            readings.append((words, mention.start, mention.end))
    if (kind := _TYPE_AFTER.match(note, mention.end)) is not None:
        readings.append((note[mention.start : kind.end()], mention.start, kind.end()))
    return Context(tuple(readings))


def fracture_reading(matcher: TermMatcher, note: str, mention: Mention) -> Found | None:
    """The traumatic-fracture index row for the bone and part named in the mention's clause.

    A bare "fracture" names no code but T14.8 (injury of unspecified body region); the words
    around it in its clause ("of distal right radius", "of the neck of the right femur") pick
    the index row "Fracture, traumatic, radius, distal end" -> S52.50, whose subdivisions the
    laterality and 7th character then choose (Guidelines I.C.19.a, I.C.19.c.1). The largest set
    of site words with an index row wins; side and encounter words are left to the attributes.
    """
    if not _FRACTURE.search(mention.text):
        return None
    start = max((m.end() for m in _CLAUSE_BREAK.finditer(note, 0, mention.start)), default=0)
    stop = _CLAUSE_BREAK.search(note, mention.end)
    end = stop.start() if stop is not None else len(note)
    clause = note[start:end]
    if _NOT_TRAUMATIC.search(clause):
        return None
    pool: list[str] = []
    for word in words(clause):
        if word in _NOT_A_SITE or not word.isalpha():
            continue
        for spelled in _SITE_SPELLINGS.get(word, (word,)):
            if spelled not in pool:
                pool.append(spelled)
    pool = matcher.narrow(_FRACTURE_ROW, pool)
    for size in range(min(len(pool), _MAX_SITE_WORDS), 0, -1):
        for combo in itertools.combinations(pool, size):
            hit = matcher.exact(f"{_FRACTURE_ROW} {' '.join(combo)}")
            if hit is not None and hit.code.startswith("S"):
                lead = len(clause) - len(clause.lstrip())
                tail = len(clause.rstrip())
                read: dict[str, str] = {}
                if shift := _DISPLACEMENT.search(clause):
                    read["displacement"] = shift.group().lower()
                if not mention.attributes.get("laterality") and (side := _SIDE.search(clause)):
                    read["laterality"] = side.group().lower()
                span = (start + lead, start + tail)
                return Found(hit, "context", span, tuple(read.items()))
    return None


def skipped(note: str, mention: Mention) -> bool:
    """True for a mention that names a vaccine or test, sits in a stated-MDM line, or is part
    of a section header ("HISTORY OF PRESENT ILLNESS:")."""
    line_start = note.rfind("\n", 0, mention.start) + 1
    if _MDM_LINE.match(note[line_start : mention.start]):
        return True
    if _HEADER_AFTER.match(note, mention.end) and _HEADER_BEFORE.match(
        note[line_start : mention.start]
    ):
        return True
    if mention.text.lower() == "ca" and _TUMOUR_MARKER.match(note, mention.end):
        return True
    return _NOT_A_DIAGNOSIS_AFTER.match(note, mention.end) is not None


def neoplasm_reading(note: str, mention: Mention, found: Found | None) -> Found | None:
    """The Table of Neoplasms cell for the site the mention's clause names (I.C.2).

    Only for a neoplasm mention that found nothing or only the table's site-unspecified line
    ("carcinoma" -> C80.1, "metastases" -> C79.9); a site-specific match stays. The behaviour
    comes from the mention and the two words either side ("metastatic", "benign", "in situ").
    """
    if found is not None and found.match.code not in UNSPECIFIED_SITE:
        return None
    named = mention.expansion or mention.text
    if behaviour(named) is None:
        return None  # no neoplasm word in the mention itself
    line_start = max(note.rfind("\n", 0, mention.start) + 1, mention.start - LOOK_BACK)
    line_end = note.find("\n", mention.end, mention.end + LOOK_BACK)
    lead = note[line_start : mention.start].split()[-_WORDS_AROUND_BEHAVIOUR:]
    tail = note[mention.end : line_end if line_end >= 0 else mention.end + LOOK_BACK].split()
    column = behaviour(" ".join([*lead, named, *tail[:_WORDS_AROUND_BEHAVIOUR]]))
    if column is None:
        return None
    site = read_site(note, mention.start, mention.end, column)
    if site is None:
        return None
    # the side belongs to the site words ("left renal metastasis of pulmonary carcinoma")
    read = {"laterality": site.laterality or ""}
    match = Match(site.code, site.term, "neoplasm", 1.0)
    return Found(match, "context", (site.start, site.end), tuple(read.items()))


def localized_nodes(note: str, mention: Mention, found: Found | None) -> Found | None:
    """R59.0 for enlarged lymph nodes of a region the words around the mention name."""
    if found is None or found.match.code != _NODES_UNSPECIFIED:
        return None
    line_start = note.rfind("\n", 0, mention.start) + 1
    stop = _CLAUSE_BREAK.search(note, mention.end)
    before = " ".join(note[line_start : mention.start].split()[-_NODE_SITE_WORDS:])
    after = " ".join(
        note[mention.end : stop.start() if stop else len(note)].split()[:_NODE_SITE_WORDS]
    )
    if not (_LOCALIZED_NODES.search(before) or _LOCALIZED_NODES.search(after)):
        return None
    match = Match(_NODES_LOCALIZED, "Enlarged, lymph gland or node, localized", "index", 1.0)
    return Found(match, "context", found.span, found.attributes)


def find_code(
    matcher: TermMatcher, mention: Mention, context: Context | None = None
) -> Found | None:
    """The most trusted dictionary match for a mention (``None`` if none is good enough)."""
    texts = [t for t in (mention.text, mention.expansion) if t]
    for text, start, end in context.readings if context else ():
        if (hit := matcher.exact(text)) is not None:
            return Found(hit, "context", (start, end))
    for text in texts:
        if (hit := matcher.exact(text)) is not None:
            return Found(hit, "exact")
    concept = _concept(mention)
    if concept is not None and concept.score >= 0.99:
        return Found(concept, "concept")
    partials = [p for t in texts if (p := matcher.partial(t)) is not None]
    best = max(partials, key=lambda p: p.score, default=None)
    if concept is not None and (best is None or concept.score >= best.score):
        return Found(concept, "concept")
    if best is not None and best.score >= _MIN_PARTIAL:
        return Found(best, "partial")
    return None


def _candidate(codebook: CodeBook, mention: Mention, found: Found) -> Candidate | None:
    match = found.match
    if codebook.get(System.ICD10CM, match.code) is None:
        return None
    span = Span.of(mention)
    if found.span is not None:
        span = Span(*found.span, mention.section, mention.assertion.label)
    attributes = {**mention.attributes, **dict(found.attributes)}
    start = unspecified_with_detail(codebook, match.code, attributes)
    refined = refine(codebook, start, attributes)
    score = match.score if found.via != "semantic" else 0.0
    candidate = Candidate(
        system=System.ICD10CM,
        code=refined.code,
        spans=[span],
        source=f"{found.via}:{match.source}",
        match_score=score,
        mentions=[mention],
        similarity=match.score if found.via == "semantic" else 0.0,
    )
    candidate.rationale.append(
        f'"{mention.text}" matched "{match.term}" ({match.source}, {found.via}) -> {match.code}'
    )
    candidate.rationale.extend(refined.rationale)
    candidate.warnings.extend(refined.warnings)
    return candidate


def with_note_encounter(mentions: list[Mention]) -> list[Mention]:
    """Mentions without an encounter cue take the one the note states elsewhere.

    The 7th character of an injury code describes the encounter (Guidelines I.C.19.a), and a
    note documents one encounter: "subsequent encounter" in the assessment also dates the
    "fracture" named in the history line above it.
    """
    stated = {m.attributes["encounter"] for m in mentions if m.attributes.get("encounter")}
    if len(stated) != 1:
        return mentions
    encounter = stated.pop()
    return [
        m
        if m.attributes.get("encounter")
        else replace(m, attributes={**m.attributes, "encounter": encounter})
        for m in mentions
    ]


def generate(
    note: str,
    mentions: Sequence[Mention],
    *,
    codebook: CodeBook,
    matcher: TermMatcher,
    semantic: SemanticMatcher | None = None,
) -> list[Candidate]:
    """One candidate per codable mention, merged by code (each keeps all its evidence)."""
    coded = with_note_encounter(
        [m for m in mentions if m.label in _CODED_LABELS and not skipped(note, m)]
    )
    found: list[tuple[Mention, Found]] = []
    missed: list[Mention] = []
    for mention in coded:
        check("candidates")
        hit = fracture_reading(matcher, note, mention) or find_code(
            matcher, mention, context_of(note, mention)
        )
        hit = neoplasm_reading(note, mention, hit) or localized_nodes(note, mention, hit) or hit
        if hit is None:
            missed.append(mention)
        else:
            found.append((mention, hit))
    if semantic is not None and missed:
        phrases = [m.expansion or m.text for m in missed]
        matches: list[Match | None] = []
        for offset in range(0, len(phrases), SEMANTIC_SLICE):
            check("semantic matching")  # encoding is the slowest step: stop between slices
            matches.extend(semantic.match(phrases[offset : offset + SEMANTIC_SLICE]))
        for mention, match in zip(missed, matches, strict=True):
            if match is not None:
                found.append((mention, Found(match, "semantic")))
    grouped: dict[str, list[Candidate]] = {}
    order = {id(m): i for i, m in enumerate(coded)}
    for mention, hit in sorted(found, key=lambda pair: order[id(pair[0])]):
        candidate = _candidate(codebook, mention, hit)
        if candidate is None:
            continue
        grouped.setdefault(f"{candidate.code}|{mention.assertion.label}", []).append(candidate)
    merged = [first for first, *_rest in grouped.values()]
    for first, *rest in grouped.values():
        first.merge_all(rest)
    linked = apply_stroke_sequelae(note, merged, codebook)
    return apply_nicotine_product(note, linked)
