"""CPT and HCPCS Level II suggestions: E/M level, procedures, imaging, labs, vaccines, drugs.

Services are recognised in the note's words (``data/procedures.json``; a pattern is tried only
where one of its literal prefixes occurs, ``nlp.prefilter``), skipping those the note says were
declined, deferred or not done. A vaccine product is paired with its administration
code (90471, then 90472 for each further vaccine); an injected HCPCS drug gets its units from the
documented dose divided by the code's unit (J0696 is per 250 mg: 1 g of ceftriaxone is 4 units).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict

from codesets.model import System
from models.candidate import Candidate, Span
from models.codebook import CodeBook
from models.em import office_level
from models.rules import guideline_data, starts_with
from models.schema import LinkedCode, Setting
from nlp.mention import Mention, MentionLabel
from nlp.prefilter import GatedPattern, PatternSet, Scanned

_REFUSED = re.compile(
    r"\b(?:declined|refused|deferred|not (?:done|performed|given|obtained)|no|without|will "
    r"(?:order|obtain|schedule)|plan(?:s|ned)? (?:to|for)|consider(?:ing)?|recommend(?:ed)?)\b"
    r"[^.\n]{0,40}$",
    re.IGNORECASE,
)
_ADMIN_FIRST, _ADMIN_MORE = "90471", "90472"
# Medicare pays influenza and pneumococcal vaccine administration under HCPCS G-codes.
_MEDICARE = re.compile(r"\bmedicare\b", re.IGNORECASE)
_MEDICARE_ADMIN = (
    ("G0008", re.compile(r"influenza|flu\b|afluria", re.I)),
    ("G0009", re.compile(r"pneumococ|pcv|ppsv|prevnar|pneumovax", re.I)),
)
_ROUTES = (
    ("96374", re.compile(r"\b(?:iv|intravenous(?:ly)?) push\b", re.IGNORECASE)),
    ("96372", re.compile(r"\b(?:im|intramuscular(?:ly)?|subcutaneous(?:ly)?|sc|subq)\b", re.I)),
)
_LABELS = {
    "90471": "Immunization administration, first vaccine (injection)",
    "90472": "Immunization administration, each additional vaccine (injection)",
    "96372": "Therapeutic injection, subcutaneous or intramuscular",
    "96374": "Therapeutic IV push, single or initial drug",
    "G0008": "Administration of influenza virus vaccine",
    "G0009": "Administration of pneumococcal vaccine",
}


class ProcedureRule(BaseModel):
    """A service recognised by its words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: Literal["CPT", "HCPCS"]
    code: str
    label: str
    kind: Literal["lab", "imaging", "procedure", "vaccine", "drug", "supply"]
    patterns: list[str]
    unit_mg: float | None = None
    dose_pattern: str | None = None
    admin: bool = False  # a vaccine: pair with an administration code
    route_admin: bool = False  # a drug: code its injection route (IM, IV push)
    instead_of: list[str] = []


class ProcedureData(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    about: str
    entries: list[ProcedureRule]


@lru_cache(maxsize=1)
def procedure_rules() -> tuple[ProcedureRule, ...]:
    """``procedures.json``, validated."""
    text = resources.files("models").joinpath("data", "procedures.json").read_text("utf-8")
    return tuple(ProcedureData.model_validate(json.loads(text)).entries)


_Rules = tuple[tuple[ProcedureRule, tuple[GatedPattern, ...]], ...]


def procedure_patterns() -> PatternSet:
    """The procedure rules' cue patterns, as one set (``nlp.prefilter.share_scans``)."""
    return _compiled_rules()[1]


@lru_cache(maxsize=1)
def _compiled_rules() -> tuple[_Rules, PatternSet]:
    rules = tuple(
        (rule, tuple(GatedPattern(re.compile(p, re.IGNORECASE)) for p in rule.patterns))
        for rule in procedure_rules()
    )
    return rules, PatternSet(gated for _rule, patterns in rules for gated in patterns)


def _performed(text: str, match: re.Match[str]) -> bool:
    line_start = max(text.rfind("\n", 0, match.start()) + 1, match.start() - 60)
    return _REFUSED.search(text[line_start : match.start()]) is None


def _units(rule: ProcedureRule, text: str) -> tuple[int, Span] | None:
    if rule.dose_pattern is None or rule.unit_mg is None:
        return None
    match = re.search(rule.dose_pattern, text, re.IGNORECASE)
    if match is None:
        return None
    amount = float(match.group(1))
    if match.group(2).lower().startswith("g"):
        amount *= 1000
    return max(1, math.ceil(amount / rule.unit_mg - 1e-9)), Span(match.start(), match.end())


def _service(
    rule: ProcedureRule,
    patterns: tuple[GatedPattern, ...],
    scanned: Scanned,
    codebook: CodeBook,
) -> Candidate | None:
    text = scanned.text
    for gated in patterns:
        for match in scanned.finditer(gated):
            if not _performed(text, match):
                continue
            system = System(rule.system)
            known = codebook.get(system, rule.code)
            candidate = Candidate(
                system,
                rule.code,
                [Span(match.start(), match.end())],
                "rule",
                1.0,
                rule=f"service:{rule.kind}",
                description=rule.label,
                is_sample=system is System.CPT and (known is None or known.is_sample),
            )
            candidate.rationale.append(f'{rule.kind} documented: "{match.group(0)}"')
            dose = _units(rule, text)
            if dose is not None:
                units, span = dose
                candidate.spans.append(span)
                candidate.rationale.append(
                    f"{units} unit(s): documented dose / {rule.unit_mg:g} mg per unit"
                )
            return candidate
    return None


def _admin(code: str, anchor: Candidate, codebook: CodeBook) -> Candidate:
    system = System.HCPCS if code.startswith("G") else System.CPT
    known = codebook.get(system, code)
    admin = Candidate(
        system,
        code,
        list(anchor.spans[:1]),
        "rule",
        1.0,
        rule="service:admin",
        description=_LABELS.get(code, code),
        is_sample=system is System.CPT and (known is None or known.is_sample),
    )
    admin.rationale.append(f"administration of {anchor.code}")
    admin.linked.append(
        LinkedCode(
            system=anchor.system.value,
            code=anchor.code,
            relation="code_also",
            note="the product administered",
        )
    )
    return admin


def _vaccine_admin(vaccines: list[Candidate], text: str, codebook: CodeBook) -> list[Candidate]:
    if not vaccines:
        return []  # the search below reads the whole note (0.03 ms), and most notes give none
    out = []
    medicare = _MEDICARE.search(text) is not None
    for index, vaccine in enumerate(vaccines):
        words = text[vaccine.spans[0].start : vaccine.spans[0].end]
        special = next((c for c, p in _MEDICARE_ADMIN if medicare and p.search(words)), None)
        code = special or (_ADMIN_FIRST if index == 0 else _ADMIN_MORE)
        out.append(_admin(code, vaccine, codebook))
    return out


def _route(candidate: Candidate, text: str) -> str | None:
    span = candidate.spans[0]
    window = text[span.start : min(len(text), span.end + 80)].split("\n")[0]
    return next((code for code, pattern in _ROUTES if pattern.search(window)), None)


def _counts(mentions: Sequence[Mention], codes: Sequence[str]) -> tuple[int, int]:
    chronic_prefixes = guideline_data().chronic_prefixes
    chronic = sum(1 for code in codes if starts_with(code, chronic_prefixes))
    acute = sum(
        1 for m in mentions if m.label is MentionLabel.PROBLEM and m.assertion.label == "present"
    )
    return chronic, max(0, min(acute, len(codes)) - chronic)


def procedure_candidates(
    text: str,
    mentions: Sequence[Mention],
    *,
    setting: Setting,
    codebook: CodeBook,
    diagnosis_codes: Sequence[str] = (),
) -> list[Candidate]:
    """CPT/HCPCS candidates for the services the note documents."""
    if setting != "outpatient":
        # Inpatient facility claims report procedures in ICD-10-PCS, not CPT/HCPCS.
        return []
    found: list[Candidate] = []
    vaccines: list[Candidate] = []
    replaced: set[str] = set()
    rules, patterns_of_all = _compiled_rules()
    scanned = patterns_of_all.scan(text)
    for rule, patterns in rules:
        if rule.code in replaced:
            continue
        candidate = _service(rule, patterns, scanned, codebook)
        if candidate is None:
            continue
        replaced.update(rule.instead_of)
        found.append(candidate)
        if rule.admin:
            vaccines.append(candidate)
        elif rule.route_admin and (route := _route(candidate, text)) is not None:
            found.append(_admin(route, candidate, codebook))
    found.extend(_vaccine_admin(vaccines, text, codebook))
    chronic, acute = _counts(mentions, diagnosis_codes)
    level = office_level(text, chronic=chronic, acute=acute)
    if level is not None:
        known = codebook.get(System.CPT, level.code)
        visit = Candidate(
            System.CPT,
            level.code,
            level.spans,
            "rule",
            1.0,
            rule="em",
            description="Office or outpatient visit",
            is_sample=known is None or known.is_sample,
        )
        visit.rationale.append(level.rationale)
        found.insert(0, visit)
    merged: dict[str, Candidate] = {}
    for candidate in found:
        if candidate.code in merged:
            merged[candidate.code].merge(candidate)
        else:
            merged[candidate.code] = candidate
    return list(merged.values())
