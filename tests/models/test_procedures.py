"""CPT/HCPCS services from note words: labs, imaging, vaccines with administration, J-codes."""

from __future__ import annotations

from typing import Any

import pytest

from models.procedures import procedure_candidates, procedure_rules

# (note, expected codes among services, codes that must be absent)
CASES = [
    ("ECG performed in the office.", {"93000"}, set()),
    ("Patient declined ECG.", set(), {"93000"}),
    ("Venipuncture performed; comprehensive metabolic panel sent.", {"36415", "80053"}, set()),
    ("Urinalysis by dipstick, non-automated, in office.", {"81002"}, {"81003"}),
    ("Influenza vaccine 0.5 mL IM given.", {"90686", "90471"}, {"G0008"}),
    (
        "Medicare beneficiary. Afluria influenza vaccine given IM.",
        {"Q2035", "G0008"},
        {"90686", "90471"},
    ),
    ("Tdap and influenza vaccine given.", {"90715", "90686", "90471", "90472"}, set()),
    ("Ketorolac 30 mg intramuscular injection given.", {"J1885", "96372"}, set()),
    ("Ondansetron 4 mg IV push given.", {"J2405", "96374"}, {"96372"}),
    (
        "Injection of the right knee joint with triamcinolone acetonide 40 mg.",
        {"20610", "J3301"},
        {"96372"},
    ),
    ("Plan: will order chest x-ray, two views.", set(), {"71046"}),
]


def _codes(text: str, codebook: Any, setting: str = "outpatient") -> dict[str, Any]:
    found = procedure_candidates(text, [], setting=setting, codebook=codebook)  # type: ignore[arg-type]
    return {c.code: c for c in found}


@pytest.mark.parametrize(("text", "present", "absent"), CASES)
def test_services(codebook: Any, text: str, present: set[str], absent: set[str]) -> None:
    codes = _codes(text, codebook)
    assert present <= set(codes)
    assert not (absent & set(codes))
    for candidate in codes.values():
        assert all(0 <= s.start < s.end <= len(text) for s in candidate.spans)


@pytest.mark.parametrize(
    ("text", "code", "units"),
    [
        ("Ceftriaxone 1 g IM given.", "J0696", 4),
        ("Ceftriaxone 500 mg IM given.", "J0696", 2),
        ("Ketorolac 30 mg IM.", "J1885", 2),
        ("Dexamethasone sodium phosphate 10 mg intramuscular injection.", "J1100", 10),
        ("Triamcinolone acetonide 40 mg into the knee.", "J3301", 4),
    ],
)
def test_drug_units_from_dose(codebook: Any, text: str, code: str, units: int) -> None:
    candidate = _codes(text, codebook)[code]
    assert f"{units} unit(s)" in " ".join(candidate.rationale)


def test_inpatient_has_no_cpt(codebook: Any) -> None:
    assert _codes("ECG performed. Ceftriaxone 1 g IV.", codebook, "inpatient") == {}


def test_cpt_labels_are_flagged_sample(engine_for: Any, spec: Any) -> None:
    result = engine_for([]).code("Established patient. ECG performed. MDM: low.")
    cpt = [s for s in result.suggestions if s.system == "CPT"]
    assert {s.code for s in cpt} == {"93000", "99213"}
    assert all(s.is_sample and any("sample" in w for w in s.warnings) for s in cpt)


def test_rules_are_unique_codes() -> None:
    codes = [rule.code for rule in procedure_rules()]
    assert len(codes) == len(set(codes))
