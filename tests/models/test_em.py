"""Office E/M level (99202-99215) from total time, stated MDM and computed MDM."""

from __future__ import annotations

import pytest

from models.em import data_level, em_scan, mdm_level, office_level, problems_level, risk_level

# (note, expected code, expected basis)
TIME_CASES = [
    (
        "New patient visit. Total time on the date of the encounter: 14 minutes.",
        "99202",
        "computed MDM",
    ),
    ("New patient visit. Total time on the date of the encounter: 15 minutes.", "99202", "time"),
    ("New patient visit. Total time: 30 minutes.", "99203", "time"),
    ("New patient visit. Total time: 44 minutes.", "99203", "time"),
    ("New patient visit. Total time: 45 minutes.", "99204", "time"),
    ("New patient visit. Total time: 75 minutes.", "99205", "time"),
    ("Established patient. Total time: 10 minutes.", "99212", "time"),
    ("Established patient. Total time: 20 minutes.", "99213", "time"),
    ("Established patient. I spent 30 minutes on this visit.", "99214", "time"),
    ("Established patient. Total time: 39 minutes.", "99214", "time"),
    ("Established patient. Total time: 40 minutes.", "99215", "time"),
    ("Established patient. MDM: moderate.", "99214", "stated MDM"),
    ("New patient. Medical decision making: low.", "99203", "stated MDM"),
    ("Established patient. MDM: high. Total time: 25 minutes.", "99215", "stated MDM"),
    ("Established patient. MDM: low. Total time: 35 minutes.", "99214", "time"),
]


@pytest.mark.parametrize(("text", "code", "basis"), TIME_CASES)
def test_level_from_time_and_stated_mdm(text: str, code: str, basis: str) -> None:
    level = office_level(text, chronic=0, acute=0)
    assert level is not None
    assert (level.code, level.basis) == (code, basis)
    assert code in level.rationale
    assert all(0 <= s.start < s.end <= len(text) for s in level.spans)


def test_no_visit_no_level() -> None:
    assert office_level("Procedure note. Knee injection.", chronic=0, acute=0) is None


# (note, chronic problems, acute problems, expected MDM level)
MDM_CASES = [
    ("Office visit. Sore throat. Rest and fluids.", 0, 1, "low"),
    (
        "Office visit. Hypertension and diabetes, stable. Labs reviewed. Refill lisinopril 10 mg.",
        2,
        0,
        "moderate",
    ),
    ("Office visit. Rash, self-limited.", 0, 0, "straightforward"),
    (
        "Office visit. COPD, severe exacerbation. Chest x-ray reviewed, CBC ordered, BMP ordered. "
        "Decision regarding hospitalization: admitted to the ward.",
        1,
        0,
        "high",
    ),
]


@pytest.mark.parametrize(("text", "chronic", "acute", "expected"), MDM_CASES)
def test_computed_mdm_two_of_three(text: str, chronic: int, acute: int, expected: str) -> None:
    level, why, _ = mdm_level(em_scan(text), chronic, acute)
    assert level == expected
    assert "two of three" in why


def test_mdm_elements() -> None:
    assert problems_level(em_scan("Diabetes, poorly controlled."), 1, 0)[0] == "moderate"
    assert problems_level(em_scan("Follow-up."), 1, 0)[0] == "low"
    assert data_level(em_scan("History obtained from the mother."))[0] == "low"
    assert data_level(em_scan("Nothing reviewed."))[0] == "straightforward"
    assert risk_level(em_scan("Start metformin 500 mg twice daily."))[0] == "moderate"
    assert risk_level(em_scan("Ibuprofen as needed."))[0] == "low"
    assert risk_level(em_scan("Reassured."))[0] == "straightforward"


def test_a_scan_keeps_the_cues_it_was_made_for() -> None:
    # two request threads may each build the cue cache's first value: a note scanned with one
    # build is still read with that build's patterns (it was a KeyError, HTTP 500)
    from models import em

    note = em_scan("Office visit. Diabetes, poorly controlled.")
    em._cues.cache_clear()
    assert problems_level(note, 1, 0)[0] == "moderate"
