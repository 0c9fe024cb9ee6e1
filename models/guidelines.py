"""Assertion and history rules of the ICD-10-CM Official Guidelines, applied to candidates.

- Negated and hypothetical conditions are not coded: only conditions that exist at the encounter
  are reported (Section IV.J; Section III for inpatient "conditions that affect patient care").
- Family history becomes a Z80-Z84 code (Section I.C.21.c.4, "History (of)").
- A personal history of a resolved condition becomes a Z85-Z87 code (I.C.21.c.4), or I25.2 for
  an old myocardial infarction (I.C.9.e.4); a chronic condition that still needs care is coded as
  current even when the note files it under "history" (Section IV.J, IV.I).
- Uncertain diagnoses ("probable", "suspected", "rule out"): outpatient, not coded; the signs and
  symptoms documented are coded instead (Section IV.H); inpatient, coded as if established
  (Section II.H, III.C).
- Signs and symptoms routinely part of a confirmed diagnosis are not coded separately
  (Section I.B.5, I.C.18.b).
- External cause codes (V00-Y99) are not suggested: there is no national requirement to report
  them (Section I.C.20).
- When one condition is coded twice, once unspecified and once with more detail, only the
  specific code stays (Section I.B.18 reserves unspecified codes for when nothing more is known);
  so does a specific injury code over T14 (injury of unspecified body region), and a neoplasm of
  a named site over the Table of Neoplasms' site-unspecified line (C80.1 "should only be used
  when no determination can be made as to the primary site", Section I.C.2.k).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

from codesets.model import System
from models.candidate import Candidate
from models.codebook import CodeBook
from models.rules import first_mapped, guideline_data, starts_with
from models.schema import Setting
from nlp.mention import Cue, Mention
from nlp.rules import section_rules

# "History of X" right before a mention on its line, with no clause break between.
_HISTORY_BEFORE = re.compile(
    r"\b(?:personal\s+|past\s+)?(?:history|hx)\s+of\s+(?:[\w\-]+\s+){0,3}$", re.IGNORECASE
)
# "a 2-month history of fever", "three days' history of": the duration of a current illness,
# not a past condition (the ConText rules treat these as pseudo-triggers).
_DURATION_BEFORE = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|several|few|a)"
    r"[\s\-]*(?:hours?|days?|weeks?|months?|years?|hrs?|wks?|yrs?)'?[\s\-]*$",
    re.IGNORECASE,
)
_DURATION_LOOK_BACK = 30


@dataclass(frozen=True, slots=True)
class Dropped:
    """A candidate the guidelines removed, and why (kept for explanations and tests)."""

    code: str
    reason: str


def _current_habit(mention: Mention) -> bool:
    """A Social History mention made historical by the section header alone.

    The header marks the section as history (the ConText convention the NegEx kit scores), but
    social history records current habits ("smokes 1 ppd" is current tobacco dependence,
    Guidelines I.C.5.b): only a cue in the words ("quit", "former", "history of") makes a
    habit history for coding (I.C.21.c.4).
    """
    if mention.section != "social_history":
        return False
    headers = _social_history_headers()
    historical = [cue for cue in mention.assertion.cues if cue.category == "historical"]
    return all(cue.text.strip().lower() in headers for cue in historical)


@functools.cache
def _social_history_headers() -> frozenset[str]:
    rules = section_rules().sections
    return frozenset(h for rule in rules if rule.name == "social_history" for h in rule.headers)


def _retarget(candidate: Candidate, code: str, rule: str, why: str) -> None:
    candidate.rationale.append(why)
    candidate.code = code
    candidate.rule = rule


def apply_assertions(
    candidates: list[Candidate], *, setting: Setting, include_negated: bool = False
) -> tuple[list[Candidate], list[Dropped]]:
    """Apply the assertion rules; ``include_negated`` keeps negated mentions (CodiEsp scoring)."""
    data = guideline_data()
    kept: list[Candidate] = []
    dropped: list[Dropped] = []
    for candidate in candidates:
        if candidate.system is not System.ICD10CM or not candidate.mentions:
            kept.append(candidate)
            continue
        assertion = candidate.mentions[0].assertion
        original = candidate.code
        if starts_with(original, data.not_reported_prefixes):
            # External cause codes have no national reporting mandate (Guidelines I.C.20).
            dropped.append(Dropped(original, "external cause: not reported (I.C.20)"))
            continue
        if assertion.negated:
            if not include_negated:
                dropped.append(Dropped(original, "negated: not coded (Section IV.J)"))
                continue
            candidate.rule = "negated_included"
            candidate.warnings.append(
                "the note negates this condition; included only because negated mentions "
                "were requested (evaluation convention), never for a claim"
            )
        elif assertion.hypothetical:
            dropped.append(Dropped(original, "hypothetical: not coded (Section IV.J)"))
            continue
        elif (assertion.family or assertion.historical) and starts_with(
            original, data.history_codes
        ):
            candidate.rule = "family_history" if assertion.family else "personal_history"
        elif assertion.family:
            family = first_mapped(original, data.family_history)
            if family is None:
                dropped.append(Dropped(original, "family history with no Z80-Z84 code"))
                continue
            _retarget(
                candidate,
                family,
                "family_history",
                f"family history of a condition coded {original}: {family} (Guidelines I.C.21.c.4)",
            )
        elif assertion.historical and not _current_habit(candidate.mentions[0]):
            if starts_with(original, data.chronic_prefixes):
                candidate.rule = "chronic_history"
                candidate.rationale.append(
                    "documented as history, but a chronic condition that persists is coded as "
                    "current (Guidelines IV.J)"
                )
            else:
                history = first_mapped(original, data.personal_history)
                if history is None:
                    dropped.append(Dropped(original, "resolved condition with no history code"))
                    continue
                _retarget(
                    candidate,
                    history,
                    "personal_history",
                    f"personal history of a resolved condition coded {original}: {history} "
                    "(Guidelines I.C.21.c.4)",
                )
        elif assertion.uncertain:
            if setting == "outpatient":
                dropped.append(
                    Dropped(original, "uncertain diagnosis, outpatient: code the symptoms (IV.H)")
                )
                continue
            candidate.rule = "uncertain_inpatient"
            candidate.rationale.append(
                "uncertain diagnosis coded as if established in the inpatient setting "
                "(Guidelines II.H)"
            )
            candidate.warnings.append("documented as uncertain; confirm at discharge")
        kept.append(candidate)
    return kept, dropped


def drop_integral_symptoms(candidates: list[Candidate]) -> tuple[list[Candidate], list[Dropped]]:
    """Remove symptom codes routinely part of a confirmed diagnosis (Guidelines I.B.5)."""
    confirmed = [
        (c, c.code.replace(".", ""))
        for c in candidates
        if c.system is System.ICD10CM
        and c.rule
        in ("direct", "combination", "chronic_history", "uncertain_inpatient", "negated_included")
        and not (c.mentions and c.mentions[0].assertion.negated)
    ]
    kept: list[Candidate] = []
    dropped: list[Dropped] = []
    for candidate in candidates:
        reason = None
        if candidate.system is System.ICD10CM and not (
            candidate.mentions and candidate.mentions[0].assertion.negated
        ):
            flat = candidate.code.replace(".", "")
            for symptoms, diagnoses in _integral_rows():
                if not flat.startswith(symptoms):
                    continue
                host = next((c for c, code in confirmed if code.startswith(diagnoses)), None)
                if host is not None and host is not candidate:
                    reason = f"integral to {host.code} (Guidelines I.B.5)"
                    break
        if reason is None:
            kept.append(candidate)
        else:
            dropped.append(Dropped(candidate.code, reason))
    return kept, dropped


@functools.cache
def _integral_rows() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    # (symptom prefixes, diagnosis prefixes) per row, as the tuples ``str.startswith`` takes:
    # every candidate is tested against every row, and ``starts_with`` rebuilt the tuple and
    # the undotted code for each test (0.035 -> 0.016 ms per note)
    rows = guideline_data().integral_symptoms
    return tuple((tuple(row.symptoms), tuple(row.diagnoses)) for row in rows)


def drop_less_specific(candidates: list[Candidate], codebook: CodeBook) -> list[Candidate]:
    """Fold an unspecified code into a more specific one of the same category (I.B.18)."""
    icd = [c for c in candidates if c.system is System.ICD10CM]
    described = {}
    for candidate in icd:
        record = codebook.get(System.ICD10CM, candidate.code)
        described[id(candidate)] = record.description.lower() if record else ""
    kept: list[Candidate] = []
    for candidate in candidates:
        if candidate.system is not System.ICD10CM or candidate.rule in _STATUS_RULES:
            kept.append(candidate)
            continue
        vagueness = len(_GENERIC.findall(described[id(candidate)]))
        generic = vagueness > 0 or candidate.code.startswith("T14")
        better = None
        if generic:
            better = next(
                (
                    o
                    for o in icd
                    if o is not candidate
                    and o.rule not in _STATUS_RULES
                    and (
                        _named_site(candidate.code, o.code)
                        or (
                            len(_GENERIC.findall(described[id(o)])) < max(1, vagueness)
                            and _same_condition(candidate.code, o.code)
                        )
                    )
                ),
                None,
            )
        if better is None:
            kept.append(candidate)
        else:
            better.merge(candidate)
            better.rationale.append(f"{candidate.code} folded in: the note says more (I.B.18)")
    return kept


_GENERIC = re.compile(r"\b(?:unspecified|uncomplicated|without)\b")
# how far back "history of" is looked for before a mention (the line may be much longer)
_LOOK_BACK = 200
_STATUS_RULES = ("family_history", "personal_history", "status", "negated_included")


def _same_condition(generic: str, specific: str) -> bool:
    if generic.startswith("T14"):
        return specific.startswith("S")
    return generic[:3] == specific[:3] and generic != specific


def _named_site(generic: str, specific: str) -> bool:
    # C80.1 / C79.9 / D49.9 give way to a code of the same behaviour at a named site (I.C.2.k)
    rows = guideline_data().unspecified_site_neoplasms
    return any(
        generic == row.code and specific != row.code and starts_with(specific, row.prefixes)
        for row in rows
    )


def with_history_cue(note: str, mention: Mention) -> Mention:
    """The mention marked historical when "history of" directly precedes it (I.C.21.c.4),
    unless a duration comes before the cue ("a 2-month history of fever" is current)."""
    if mention.assertion.label != "present":
        return mention
    line_start = note.rfind("\n", 0, mention.start) + 1
    # read back a bounded stretch: searching the whole line before each mention was quadratic
    cue = _HISTORY_BEFORE.search(note, max(line_start, mention.start - _LOOK_BACK), mention.start)
    if cue is None or re.search(r"family", note[line_start : cue.start() + 1], re.IGNORECASE):
        return mention
    if _DURATION_BEFORE.search(
        note, max(line_start, cue.start() - _DURATION_LOOK_BACK), cue.start()
    ):
        return mention  # "a 2-month history of": how long a current illness has lasted
    words = note[cue.start() : cue.end()].rstrip()  # the cue's offsets give exactly its words
    found = Cue("historical", words, cue.start(), cue.start() + len(words))
    flags = replace(mention.assertion, historical=True, cues=(*mention.assertion.cues, found))
    return replace(mention, assertion=flags)
