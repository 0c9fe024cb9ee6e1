"""Status codes that accompany diagnoses: long-term drug therapy, BMI, immunization encounter.

- Z79.4 / Z79.84: diabetes controlled with insulin or oral drugs (Guidelines I.C.4.a.3; not
  Z79.4 with type 1, where insulin is inherent); Z79.01: long-term anticoagulants (I.C.21.c.3).
  A drug the note says was completed, stopped or declined is not current therapy.
- Z68.-: BMI only with an associated weight diagnosis such as obesity (I.B.14, I.C.21.c.3).
- Z23: an encounter for immunization, whenever a vaccine is given (I.C.21.c.2).
- Z95.5: a coronary stent from past treatment ("s/p stent", "treated with a stent"), a status
  code for a device left in place (I.C.21.c.3); stents of other organs are not coronary.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

from codesets.model import System
from models.candidate import Candidate, Span
from models.rules import starts_with
from nlp.prefilter import GatedPattern, PatternSet


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DrugStatus(_Strict):
    """A drug class whose long-term use has a Z79 code."""

    code: str
    pattern: str
    requires_prefixes: list[str]
    skip_prefixes: list[str]


class DeviceStatus(_Strict):
    """A device left in place by past treatment whose presence has a Z95-Z97 code.

    ``pattern`` names the device; its sentence must name the organ (``context``) or the note
    a condition it treats (``requires_prefixes``), and must not name another organ's device
    of the same name (``other_sites``: a ureteral stent is no coronary stent) or its removal.
    """

    code: str
    pattern: str
    context: str
    requires_prefixes: list[str]
    other_sites: str
    removed: str


class StatusData(_Strict):
    """``status.json``."""

    about: str
    devices: list[DeviceStatus]
    drugs: list[DrugStatus]
    stopped: str
    bmi_pattern: str
    bmi_requires_prefixes: list[str]
    bmi_codes: list[tuple[float, str]]
    immunization_code: str


@lru_cache(maxsize=1)
def status_data() -> StatusData:
    """``status.json``, validated."""
    text = resources.files("models").joinpath("data", "status.json").read_text("utf-8")
    return StatusData.model_validate(json.loads(text))


@lru_cache(maxsize=1)
def _cues() -> tuple[dict[str, GatedPattern], PatternSet]:
    # the drug and device patterns, tried only where their literal prefixes occur (the same
    # matches as ``re.finditer``, see ``nlp.prefilter``)
    data = status_data()
    sources = [*(d.pattern for d in data.drugs), *(d.pattern for d in data.devices)]
    gated = {p: GatedPattern(re.compile(p, re.IGNORECASE)) for p in sources}
    return gated, PatternSet(gated.values())


def status_patterns() -> PatternSet:
    """The drug and device patterns, as one set (``nlp.prefilter.share_scans``)."""
    return _cues()[1]


def _sentence(text: str, start: int, end: int) -> str:
    left = max(text.rfind(".", 0, start), text.rfind("\n", 0, start)) + 1
    stops = [i for i in (text.find(".", end), text.find("\n", end)) if i >= 0]
    return text[left : min(stops) if stops else len(text)]


def _rule_candidate(code: str, span: Span, why: str) -> Candidate:
    candidate = Candidate(System.ICD10CM, code, [span], "rule:status", 1.0, rule="status")
    candidate.rationale.append(why)
    return candidate


def drug_status(text: str, codes: list[str]) -> list[Candidate]:
    """Z79 codes for current long-term drug therapy the note documents."""
    data = status_data()
    stopped = re.compile(data.stopped, re.IGNORECASE)
    gated, patterns = _cues()  # one call: the scan must be of these patterns
    scanned = patterns.scan(text)
    found: list[Candidate] = []
    for drug in data.drugs:
        if drug.requires_prefixes and not any(
            starts_with(c, drug.requires_prefixes) for c in codes
        ):
            continue
        if drug.skip_prefixes and any(starts_with(c, drug.skip_prefixes) for c in codes):
            continue
        for match in scanned.finditer(gated[drug.pattern]):
            if stopped.search(_sentence(text, match.start(), match.end())):
                continue
            found.append(
                _rule_candidate(
                    drug.code,
                    Span(match.start(), match.end()),
                    f'current drug therapy "{match.group(0)}": {drug.code} (Guidelines I.C.21.c.3)',
                )
            )
            break
    return found


def device_status(text: str, codes: list[str]) -> list[Candidate]:
    """Z95.5 and the like: a device from past treatment still in place (I.C.21.c.3)."""
    gated, patterns = _cues()  # one call: the scan must be of these patterns
    scanned = patterns.scan(text)
    found: list[Candidate] = []
    for device in status_data().devices:
        treated = any(starts_with(c, device.requires_prefixes) for c in codes)
        for match in scanned.finditer(gated[device.pattern]):
            sentence = _sentence(text, match.start(), match.end())
            if re.search(device.other_sites, sentence, re.IGNORECASE) or re.search(
                device.removed, sentence, re.IGNORECASE
            ):
                continue
            if not (treated or re.search(device.context, sentence, re.IGNORECASE)):
                continue
            found.append(
                _rule_candidate(
                    device.code,
                    Span(match.start(), match.end()),
                    f'device from past treatment "{match.group(0)}": {device.code} '
                    "(status code, Guidelines I.C.21.c.3)",
                )
            )
            break
    return found


def bmi_status(text: str, codes: list[str]) -> list[Candidate]:
    """The Z68 code of a documented adult BMI, when a weight diagnosis is suggested."""
    data = status_data()
    if not any(starts_with(c, data.bmi_requires_prefixes) for c in codes):
        return []
    match = re.search(data.bmi_pattern, text, re.IGNORECASE)
    if match is None:
        return []
    value = float(match.group(1))
    code = next(code for floor, code in data.bmi_codes if value >= floor)
    return [
        _rule_candidate(
            code,
            Span(match.start(), match.end()),
            f"BMI {value:g} with a weight diagnosis: {code} (Guidelines I.B.14)",
        )
    ]


def immunization_status(vaccines: list[Candidate]) -> list[Candidate]:
    """Z23 when a vaccine is given."""
    if not vaccines:
        return []
    code = status_data().immunization_code
    return [
        _rule_candidate(
            code,
            vaccines[0].spans[0],
            f"vaccine given: {code}, encounter for immunization (I.C.21.c.2)",
        )
    ]
