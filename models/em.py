"""Office/outpatient E/M level (99202-99215) from total time or medical decision making.

Under the AMA's 2021 office E/M rules a level is chosen by total time on the date of the
encounter or by medical decision making (MDM); MDM's level is the one that two of its three
elements meet or exceed: number and complexity of problems, data reviewed and analysed, and risk
of patient management. Whichever of time and MDM supports the higher level is suggested, and the
rationale shows both. Cue lists live in ``data/em.json``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

from models.candidate import Span
from nlp.prefilter import GatedPattern, PatternSet, Scanned

LEVELS = ("straightforward", "low", "moderate", "high")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Tiers(_Strict):
    high: list[str]
    moderate: list[str]
    low: list[str]


class _Data(_Strict):
    tests: list[str]
    documents: list[str]
    historian: list[str]
    interpretation: list[str]
    discussion: list[str]


class EMRules(_Strict):
    """The cue lists of ``em.json``."""

    about: str
    visit: list[str]
    new_patient: list[str]
    total_time: list[str]
    stated_mdm: list[str]
    time_thresholds: dict[str, list[tuple[int, str]]]
    mdm_codes: dict[str, dict[str, str]]
    problems: _Tiers
    data: _Data
    risk: _Tiers


@lru_cache(maxsize=1)
def em_rules() -> EMRules:
    """``em.json``, validated."""
    text = resources.files("models").joinpath("data", "em.json").read_text(encoding="utf-8")
    return EMRules.model_validate(json.loads(text))


@dataclass(frozen=True, slots=True)
class EMLevel:
    """The chosen code, how it was chosen, and the words that support it."""

    code: str
    basis: str  # time | mdm
    rationale: str
    spans: list[Span]


def em_patterns() -> PatternSet:
    """The E/M cue patterns, as one set (``nlp.prefilter.share_scans``)."""
    return _cues()[1]


@lru_cache(maxsize=1)
def _cues() -> tuple[dict[str, GatedPattern], PatternSet]:
    rules = em_rules()
    lists = [rules.visit, rules.new_patient, rules.total_time, rules.stated_mdm]
    lists += [getattr(rules.problems, n) for n in ("high", "moderate", "low")]
    lists += [getattr(rules.risk, n) for n in ("high", "moderate", "low")]
    lists += [getattr(rules.data, n) for n in _Data.model_fields]
    gated = {p: GatedPattern(re.compile(p, re.IGNORECASE)) for patterns in lists for p in patterns}
    return gated, PatternSet(gated.values())


@dataclass(frozen=True, slots=True)
class EMNote:
    """A note scanned for the E/M cues, with the gated cues the scan was made for."""

    scanned: Scanned
    gated: dict[str, GatedPattern]


def em_scan(text: str) -> EMNote:
    """``text`` with where each E/M cue may match (one pass for every cue of ``em.json``)."""
    # one call: the patterns and the scan must come from the same build (two threads may each
    # build the cache's first value, and a scan knows only its own set's patterns)
    gated, patterns = _cues()
    return EMNote(patterns.scan(text), gated)


def _find(patterns: list[str], note: EMNote) -> list[re.Match[str]]:
    # each pattern is tried only where one of its literal prefixes occurs: the same matches
    return [m for pattern in patterns for m in note.scanned.finditer(note.gated[pattern])]


def _tier(tiers: _Tiers, note: EMNote) -> tuple[str, list[re.Match[str]]]:
    for name in ("high", "moderate", "low"):
        hits = _find(getattr(tiers, name), note)
        if hits:
            return name, hits
    return "straightforward", []


def problems_level(note: EMNote, chronic: int, acute: int) -> tuple[str, list[re.Match[str]]]:
    """Problems addressed: cue words, then counts of chronic and acute diagnoses."""
    level, hits = _tier(em_rules().problems, note)
    if level in ("high", "moderate"):
        return level, hits
    if chronic >= 2:
        return "moderate", hits
    if chronic == 1 or acute >= 1 or level == "low":
        return "low", hits
    return "straightforward", hits


def data_level(note: EMNote) -> tuple[str, list[re.Match[str]]]:
    """Data reviewed and analysed: tests, documents, historian; interpretation; discussion."""
    cues = em_rules().data
    tests = _find(cues.tests, note)
    documents = _find(cues.documents, note)
    historian = _find(cues.historian, note)
    interpretation = _find(cues.interpretation, note)
    discussion = _find(cues.discussion, note)
    category1 = len(tests) + len(documents) + (1 if historian else 0)
    categories = sum((category1 >= 3, bool(interpretation), bool(discussion)))
    hits = [*tests, *documents, *historian, *interpretation, *discussion]
    if categories >= 2:
        return "high", hits
    if categories == 1:
        return "moderate", hits
    if category1 >= 2 or historian:
        return "low", hits
    return "straightforward", hits


def risk_level(note: EMNote) -> tuple[str, list[re.Match[str]]]:
    """Risk of patient management from management cues."""
    return _tier(em_rules().risk, note)


def mdm_level(note: EMNote, chronic: int, acute: int) -> tuple[str, str, list[re.Match[str]]]:
    """The MDM level two of three elements meet, with a one-line explanation."""
    problems, p_hits = problems_level(note, chronic, acute)
    data, d_hits = data_level(note)
    risk, r_hits = risk_level(note)
    ordered = sorted((problems, data, risk), key=LEVELS.index)
    level = ordered[1]  # the level met or exceeded by two of the three elements
    why = f"MDM {level} (problems {problems}, data {data}, risk {risk}; two of three)"
    return level, why, [*p_hits, *d_hits, *r_hits]


def total_minutes(note: EMNote) -> tuple[int, re.Match[str]] | None:
    """Documented total time on the date of the encounter, in minutes."""
    for match in _find(em_rules().total_time, note):
        return int(match.group(1)), match
    return None


def stated_mdm(note: EMNote) -> tuple[str, re.Match[str]] | None:
    """An MDM level the provider documented ("MDM: moderate")."""
    for match in _find(em_rules().stated_mdm, note):
        return match.group(1).lower(), match
    return None


def office_level(text: str, *, chronic: int, acute: int) -> EMLevel | None:
    """The office E/M code the note supports, or ``None`` when it does not read as a visit.

    The provider's documented basis wins: total time and a stated MDM level, the higher of the
    two; the MDM computed from the note's words is the fallback when neither is documented.
    """
    rules = em_rules()
    note = em_scan(text)
    visit = _find(rules.visit, note)
    timed = total_minutes(note)
    stated = stated_mdm(note)
    if not visit and timed is None:
        return None
    kind = "new" if _find(rules.new_patient, note) else "established"
    spans = [Span(m.start(), m.end()) for m in visit[:1]]
    options: list[tuple[str, str]] = []
    notes = [f"{kind} patient office visit"]
    if timed is not None:
        minutes, match = timed
        time_code = next((c for floor, c in rules.time_thresholds[kind] if minutes >= floor), None)
        spans.append(Span(match.start(), match.end()))
        notes.append(f"total time {minutes} min -> {time_code or 'below the lowest level'}")
        if time_code is not None:
            options.append((time_code, "time"))
    if stated is not None:
        level, match = stated
        spans.append(Span(match.start(), match.end()))
        options.append((rules.mdm_codes[kind][level], "stated MDM"))
        notes.append(f"MDM documented as {level} -> {rules.mdm_codes[kind][level]}")
    if options:
        code, basis = max(options)
    else:
        level, why, hits = mdm_level(note, chronic, acute)
        code, basis = rules.mdm_codes[kind][level], "computed MDM"
        spans.extend(Span(m.start(), m.end()) for m in hits[:4])
        notes.append(f"{why} -> {code}")
    notes.append(f"{code} chosen on {basis}")
    return EMLevel(code, basis, "; ".join(notes), spans)
