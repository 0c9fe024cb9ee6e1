"""Literal-prefix gating gives exactly ``finditer``'s matches, only faster."""

from __future__ import annotations

import json
import re
import string
import sys
from importlib import resources

import pytest

from nlp.prefilter import (
    GatedPattern,
    PatternSet,
    fold,
    literal_prefixes,
    required_literals,
    share_scans,
)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\bcbc\b(?:\s+with\s+diff)?", {"cbc"}),
        (r"(?:knee|hip) injection", {"knee", "hip "}),
        (r"\b(?:hb\s?)?a1c\b", {"hb", "a1c"}),
        (r"\bmmr\b(?: vaccine)?", {"mmr"}),  # "mmr " is implied by "mmr"
        (r"(?<!on )(?:Chronic|LONG[- ]standing)", {"chro", "long"}),
        (r"\d+ days", None),  # a category: no literal prefix
        (r"[a-z]+itis", None),
        (r"(?:left )?", None),  # may match the empty string
        ("caf\u00e9", {"caf"}),  # a non-ASCII literal ends the prefix
        ("\u00e9t\u00e9", None),
    ],
)
def test_literal_prefixes(pattern: str, expected: set[str] | None) -> None:
    found = literal_prefixes(re.compile(pattern, re.IGNORECASE))
    assert found == (None if expected is None else frozenset(expected))


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\bi\s?&\s?d\b", [{"i"}, {"&"}, {"d"}]),
        (
            r"(\d+)\s*(?:min|minutes) (?:total|were spent|spent)",
            [{"min"}, {" "}, {"total", "spent"}],
        ),
        (r"(?:ab|)c", [{"c"}]),  # a branch that may be empty requires nothing
        (r"x?(?:yz)+[^q]", [{"yz"}]),  # an optional part requires nothing, a repeated one does
        (r"(?=total)\d", []),  # a look-ahead's text is not part of the match
        ("caf\u00e9s", [{"caf"}, {"s"}]),  # a non-ASCII literal ends a run
    ],
)
def test_required_literals(pattern: str, expected: list[set[str]]) -> None:
    found = required_literals(re.compile(pattern, re.IGNORECASE))
    assert found == tuple(frozenset(group) for group in expected)


def test_pattern_lacking_a_required_literal_is_not_run() -> None:
    # "I&D" has no prefix worth gating ("i"): without "&" in the note it cannot match at all
    gated = GatedPattern(re.compile(r"\bi\s?&\s?d\b", re.IGNORECASE))
    assert gated.prefixes == frozenset({"i"})
    for text in ("incision and drainage, i d", "I & D; i&d", "\u0130&D", ""):
        scanned = PatternSet([gated]).scan(text)
        assert [m.span() for m in scanned.finditer(gated)] == [
            m.span() for m in gated.pattern.finditer(text)
        ]


def test_fold_maps_every_character_ignorecase_equates_with_ascii() -> None:
    # every code point that an ASCII character matches under IGNORECASE folds to that character
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    for char in string.ascii_lowercase + string.digits + string.punctuation + " ":
        for match in re.finditer(re.escape(char), everything, re.IGNORECASE):
            assert fold(match.group()) == char, (char, hex(ord(match.group())))


def _data_patterns() -> list[str]:
    procedures = json.loads(
        resources.files("models").joinpath("data", "procedures.json").read_text("utf-8")
    )
    attributes = json.loads(
        resources.files("nlp").joinpath("data", "attributes.json").read_text("utf-8")
    )
    em = json.loads(resources.files("models").joinpath("data", "em.json").read_text("utf-8"))
    cues = [em[k] for k in ("visit", "new_patient", "total_time", "stated_mdm")]
    cues += [tier for k in ("problems", "data", "risk") for tier in em[k].values()]
    return (
        [p for e in procedures["entries"] for p in e["patterns"]]
        + [a["pattern"] for a in attributes["attributes"]]
        + [p for patterns in cues for p in patterns]
    )


TEXTS = [
    "Left knee pain, chronic. CBC with differential; HbA1c drawn. ECG 12-lead.",
    "LEFT KNEE INJECTION. Influenza vaccine given IM. Stage 3b CKD, NYHA class II.",
    # the four non-ASCII letters IGNORECASE matches to ASCII ones; the dotted capital I
    # lower-cases to two characters (the text changes length: the gate falls back)
    "\u0130nfluenza vaccine; ch\u0131onic; \u017fhingrix; \u212anee x-ray 3 views",
    "CBCcbc cbc cbc " * 30 + "left left left " * 20,  # more starts than trying each is worth
    "on the left; on the right side; for 3 days; since 2 weeks; x 4 wk; two-week history",
    "non-contrast CT of the head; ct head without contrast; i & d; I&D; pt/inr checked",
    "Established patient office visit. Total time 32 minutes. MDM: moderate. Reviewed labs;"
    " independent historian: mother. Discussed with radiology. Prescription drug management.",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_gated_matches_equal_finditer(text: str) -> None:
    patterns = [re.compile(source, re.IGNORECASE) for source in _data_patterns()]
    gated = [GatedPattern(pattern) for pattern in patterns]
    scanned = PatternSet(gated).scan(text)
    for pattern, gate in zip(patterns, gated, strict=True):
        expected = [(m.span(), m.groupdict()) for m in pattern.finditer(text)]
        assert [(m.span(), m.groupdict()) for m in scanned.finditer(gate)] == expected


def test_one_pass_gives_each_pattern_its_prefixes_starts() -> None:
    # "in" occurs wherever "inr" and "inri" do: the longest found gives each shorter one too;
    # a one-letter prefix occurs too often to be worth finding: its pattern runs everywhere
    sources = ("inr", r"in\b", "inr[a-z]", r"i\b")
    gated = [GatedPattern(re.compile(p, re.IGNORECASE)) for p in sources]
    text = "INR checked; in situ; INRi; I am; inr"
    scanned = PatternSet(gated).scan(text)
    for gate in gated:
        assert [m.span() for m in scanned.finditer(gate)] == [
            m.span() for m in gate.pattern.finditer(text)
        ]
    assert scanned.starts == [[0, 22, 34], [0, 13, 22, 34], [0, 22, 34], None]


def test_overlapping_prefix_occurrences_resume_after_each_match() -> None:
    # "aaa" at 0 hides the occurrence at 1: finditer resumes at the end of the match
    gated = GatedPattern(re.compile("aaa|aa", re.IGNORECASE))
    text = "AAAAA aa"
    scanned = PatternSet([gated]).scan(text)
    assert [m.span() for m in scanned.finditer(gated)] == [(0, 3), (3, 5), (6, 8)]


def test_shared_scans_give_each_set_its_own_starts() -> None:
    # one pass over the note serves every joined set, with the starts its own pass would give
    sources = _data_patterns()
    thirds = [sources[k::3] for k in range(3)]
    alone = [
        PatternSet(GatedPattern(re.compile(p, re.IGNORECASE)) for p in part) for part in thirds
    ]
    joined = [
        PatternSet(GatedPattern(re.compile(p, re.IGNORECASE)) for p in part) for part in thirds
    ]
    share_scans(*joined)
    for text in TEXTS:
        for own, shared in zip(alone, joined, strict=True):
            expected = own.scan(text)
            scanned = shared.scan(text)
            for mine, theirs in zip(own.patterns, shared.patterns, strict=True):
                assert [m.span() for m in scanned.finditer(theirs)] == [
                    m.span() for m in expected.finditer(mine)
                ]
        # the sets asked for the same text in a row: one scan, kept for the next set
        assert joined[0].scan(text) is joined[2].scan(text)


def test_shared_scans_on_several_threads_keep_each_text_apart() -> None:
    from concurrent.futures import ThreadPoolExecutor

    sources = _data_patterns()
    own = PatternSet(GatedPattern(re.compile(p, re.IGNORECASE)) for p in sources[::2])
    other = PatternSet(GatedPattern(re.compile(p, re.IGNORECASE)) for p in sources[1::2])
    share_scans(own, other)
    texts = [t for t in TEXTS if t] * 40

    def starts(text: str) -> list[list[tuple[int, int]]]:
        scanned = own.scan(text)
        return [[m.span() for m in scanned.finditer(g)] for g in own.patterns]

    expected = {
        text: [[m.span() for m in g.pattern.finditer(text)] for g in own.patterns] for text in TEXTS
    }
    with ThreadPoolExecutor(max_workers=4) as pool:
        for text, found in zip(texts, pool.map(starts, texts), strict=True):
            assert found == expected[text]
