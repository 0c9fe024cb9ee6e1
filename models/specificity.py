"""Walking from a category down to the billable leaf the note supports.

A non-billable code is never suggested (ICD-10-CM Official Guidelines I.A.3: "codes ... are to be
used only at the highest number of characters available"). Laterality, acuity, type, stage and
site pick a child (I.B.13 for laterality); with nothing more in the note, the "unspecified" child
is chosen, and said so (I.B.18). Injury and poisoning codes take a 7th character from encounter
cues (I.C.19.a): initial (A) while the patient receives active treatment, subsequent (D), sequela
(S); with no cue, A is assumed and flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from codesets.model import System
from models.codebook import CodeBook

_LATERALITY = ("right", "left", "bilateral")
_ACUITY = ("acute on chronic", "acute", "chronic", "subacute")
_SEVENTH = {"initial": "A", "subsequent": "D", "sequela": "S"}
_MAX_DEPTH = 6
# Leaves that say less than their siblings may: re-walked when the mention says more.
_GENERIC = re.compile(r"\b(?:unspecified|uncomplicated|without)\b", re.IGNORECASE)


@dataclass(slots=True)
class Refined:
    """The leaf reached, the notes of the walk and whether a default was assumed."""

    code: str
    rationale: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)  # attribute names that chose a child


@lru_cache(maxsize=4096)
def _whole_words(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(phrase)}\b")


def _has(text: str, phrase: str) -> bool:
    # most phrases asked about are not in the text at all: a substring test settles those
    # without the pattern (a child's score asks this of every attribute)
    return phrase in text and _whole_words(phrase).search(text) is not None


def _phrases(name: str, value: str) -> tuple[list[str], list[str]]:
    """Phrases that name the value exactly, and broader ones ("stage 3" for stage 3a)."""
    value = value.lower().strip()
    if name == "stage":
        bare = value.removeprefix("stage ").strip()
        broader = [f"stage {bare.rstrip('ab')}"] if bare[-1:] in ("a", "b") else []
        return [f"stage {bare}", value], broader
    return [value], []


def _score(description: str, attributes: dict[str, str]) -> tuple[float, set[str]]:
    text = description.lower()
    score, used = 0.0, set()
    for name, value in attributes.items():
        exact, broader = _phrases(name, value)
        if any(_has(text, phrase) for phrase in exact):
            score += 2.0 + 0.01 * len(value)
            used.add(name)
        elif any(_has(text, phrase) for phrase in broader):
            score += 1.5
            used.add(name)
        if name == "laterality" and any(
            _has(text, other) for other in _LATERALITY if other != value.lower()
        ):
            score -= 3.0
        if name == "acuity":
            wanted = value.lower()
            for other in _ACUITY:
                contained = wanted == "acute on chronic" and other in ("acute", "chronic")
                if other != wanted and _has(text, other) and other not in wanted and not contained:
                    score -= 3.0
                    break
    side = attributes.get("laterality", "").lower()
    if "dominant" in text and "dominant" not in attributes.get("dominance", ""):
        # Default dominance when undocumented: right side dominant, left non-dominant (I.C.9.d.1).
        wants_non = side == "left"
        score += 0.1 if ("non-dominant" in text) == wants_non else 0.0
    if "nondisplaced" in text and "nondisplaced" not in attributes.get("displacement", ""):
        # A fracture not stated as displaced or nondisplaced is coded displaced (I.C.19.c.1).
        score -= 0.2
    if "unspecified" in text and not used:
        score += 0.5
        if text.rstrip().endswith("unspecified"):
            # "<category>, unspecified" says nothing more; "due to unspecified occlusion" does.
            score += 0.1
    return score, used


def _seventh(parent: str, kids: list[str], encounter: str | None, out: Refined) -> str:
    letter = _SEVENTH.get((encounter or "").lower())
    by_letter = {kid[-1]: kid for kid in kids}
    if letter and letter in by_letter:
        out.rationale.append(f"7th character {letter}: {encounter} encounter documented")
        out.used.add("encounter")
        return by_letter[letter]
    if "A" in by_letter:
        out.warnings.append(
            "7th character A (initial encounter) assumed: no encounter cue in the note "
            "(Guidelines I.C.19.a); confirm active treatment"
        )
        return by_letter["A"]
    out.warnings.append(f"no 7th character fits; chose {kids[0]} under {parent}")
    return kids[0]


def _discriminating(description: str, attributes: dict[str, str]) -> dict[str, str]:
    """The attributes a description does not already state (only those can choose a child)."""
    text = description.lower()
    return {
        name: value
        for name, value in attributes.items()
        if name != "encounter"
        and value
        and not any(_has(text, p) for p in _phrases(name, value)[0])
    }


def refine(codebook: CodeBook, code: str, attributes: dict[str, str]) -> Refined:
    """Descend from ``code`` to a billable leaf, choosing children by the mention's attributes.

    The walk depends on nothing but its arguments, and the same few (code, attributes) pairs
    recur note after note, so walks are remembered; each caller gets its own copy.
    """
    walked = _walk(codebook, code, tuple(attributes.items()))
    return Refined(walked.code, list(walked.rationale), list(walked.warnings), set(walked.used))


@lru_cache(maxsize=16_384)
def _walk(codebook: CodeBook, code: str, pairs: tuple[tuple[str, str], ...]) -> Refined:
    attributes = dict(pairs)
    out = Refined(code)
    for _ in range(_MAX_DEPTH):
        record = codebook.get(System.ICD10CM, out.code)
        if record is None or record.billable:
            return out
        attrs = _discriminating(record.description, attributes)
        kids = codebook.children(out.code)
        if not kids:
            return out
        if record.seventh_characters and all(len(k.replace(".", "")) == 7 for k in kids):
            out.code = _seventh(out.code, kids, attributes.get("encounter"), out)
            continue
        scored = []
        for kid in kids:
            child = codebook.get(System.ICD10CM, kid)
            if child is not None:
                scored.append((*_score(child.description, attrs), kid, child.description))
        if not scored:
            return out
        best = max(scored, key=lambda row: row[0])
        score, used, kid, description = best
        if score >= 1.5:
            out.used |= used
            shown = ", ".join(f"{name} {attrs[name]}" for name in sorted(used))
            out.rationale.append(f"{kid} chosen under {out.code} by {shown}")
        elif score > 0:
            out.rationale.append(
                f"{kid} ({description}): the note gives no more detail (Guidelines I.B.18)"
            )
        else:
            fallback = next((row for row in scored if row[2].endswith("9")), None)
            fallback = fallback or next((row for row in scored if row[2].endswith("0")), scored[0])
            kid = fallback[2]
            out.warnings.append(
                f"{out.code} is not billable and the note does not say which subdivision "
                f"applies; {kid} chosen by default, review it"
            )
        out.code = kid
    return out


def unspecified_with_detail(codebook: CodeBook, code: str, attributes: dict[str, str]) -> str:
    """The category to re-walk when ``code`` is an "unspecified" leaf but attributes say more."""
    return _unspecified_with_detail(codebook, code, tuple(attributes.items()))


@lru_cache(maxsize=16_384)  # like ``_walk``: a function of its arguments, which recur
def _unspecified_with_detail(
    codebook: CodeBook, code: str, pairs: tuple[tuple[str, str], ...]
) -> str:
    attributes = dict(pairs)
    record = codebook.get(System.ICD10CM, code)
    if record is None or not record.parents or not _GENERIC.search(record.description):
        return code
    # A site re-walk would read "kidney function" as "with kidney complications": sites only
    # choose among children on a walk that starts from a category, never re-open a leaf.
    attrs = {
        k: v for k, v in _discriminating(record.description, attributes).items() if k != "site"
    }
    if not attrs:
        return code
    parent = record.parents[0]
    condition = _condition_words(record.description)
    for kid in codebook.children(parent):
        child = codebook.get(System.ICD10CM, kid)
        if (
            child is not None
            and kid != code
            and condition <= _words(child.description)
            and _score(child.description, attrs)[0] >= 1.5
        ):
            return parent
    return code


_STOP_WORDS = frozenset({"a", "an", "and", "in", "of", "or", "the", "to"})


def _words(description: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", description.lower())) - _STOP_WORDS


def _condition_words(description: str) -> set[str]:
    """What an "unspecified" leaf names: its words before "unspecified"/"without"/... .

    A sibling is the same condition said more precisely only when it names all of them: "Chronic
    kidney disease, stage 4" for "Chronic kidney disease, unspecified", but not "Chronic passive
    congestion of liver" for "Liver disease, unspecified" (a different disease that merely says
    "chronic").
    """
    found = _GENERIC.search(description)
    return _words(description[: found.start()] if found else description)
