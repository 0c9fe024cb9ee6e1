"""Status codes: long-term drug therapy (Z79), BMI (Z68), immunization encounter (Z23), devices
from past treatment (Z95.5)."""

from __future__ import annotations

import pytest

from models.status import bmi_status, device_status, drug_status

# (note, suggested diagnosis codes, expected status codes)
DRUG_CASES = [
    ("On metformin long term.", ["E11.9"], {"Z79.84"}),
    ("Insulin glargine 20 units nightly.", ["E11.22"], {"Z79.4"}),
    ("Insulin pump.", ["E10.9"], set()),
    ("On metformin.", ["I10"], set()),
    ("On warfarin long term, INR 2.4.", ["I48.91"], {"Z79.01"}),
    ("Anticoagulation completed in 2023.", ["M25.561"], set()),
]


@pytest.mark.parametrize(("text", "codes", "expected"), DRUG_CASES)
def test_drug_status(text: str, codes: list[str], expected: set[str]) -> None:
    found = drug_status(text, codes)
    assert {c.code for c in found} == expected
    for candidate in found:
        assert all(0 <= s.start < s.end <= len(text) for s in candidate.spans)


@pytest.mark.parametrize(
    ("text", "codes", "expected"),
    [
        ("Morbid obesity, BMI 41.2.", ["E66.01"], {"Z68.41"}),
        ("Obesity, BMI 33.", ["E66.9"], {"Z68.33"}),
        ("BMI 41.2.", ["I10"], set()),
    ],
)
def test_bmi_needs_a_weight_diagnosis(text: str, codes: list[str], expected: set[str]) -> None:
    assert {c.code for c in bmi_status(text, codes)} == expected


@pytest.mark.parametrize(
    ("text", "codes", "expected"),
    [
        ("Coronary artery disease treated with a stent.", ["I25.10"], {"Z95.5"}),
        ("Angina; s/p stent to the LAD in 2019.", [], {"Z95.5"}),
        ("He is s/p stent.", ["I25.10"], {"Z95.5"}),
        ("He is s/p stent.", [], set()),
        ("Hydronephrosis treated with a double J ureteral stent.", ["I25.10"], set()),
        ("Biliary stent placed for the stricture.", [], set()),
        ("Coronary stent removed.", ["I25.10"], set()),
    ],
)
def test_coronary_stent_status(text: str, codes: list[str], expected: set[str]) -> None:
    # I.C.21.c.3: a device left in place by past treatment is a status code
    found = device_status(text, codes)
    assert {c.code for c in found} == expected
    for candidate in found:
        assert all(text[s.start : s.end].lower().startswith("stent") for s in candidate.spans)
