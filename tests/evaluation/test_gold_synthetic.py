"""The team's synthetic gold set: in sync with its readable source, and covering what it must."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from evaluation.gold import GoldChart, dump_gold
from evaluation.goldgen import build_charts

SOURCE = Path(__file__).resolve().parents[1] / "data" / "gold_synthetic_notes.txt"


def test_the_jsonl_is_built_from_the_source_notes(gold_path: Path) -> None:
    # build_charts also checks that every ICD-10-CM code exists in FY2026 and is billable
    assert dump_gold(build_charts(SOURCE)) == gold_path.read_text(encoding="utf-8")


def test_size_settings_and_systems(gold_charts: list[GoldChart]) -> None:
    assert len(gold_charts) >= 40
    settings = Counter(chart.setting for chart in gold_charts)
    assert settings["outpatient"] >= 20 and settings["inpatient"] >= 8
    systems = Counter(code.system for chart in gold_charts for code in chart.codes)
    assert systems["ICD-10-CM"] and systems["CPT"] and systems["HCPCS"]
    assert all(chart.date_of_service is not None for chart in gold_charts)


def test_every_code_has_evidence_inside_its_note(gold_charts: list[GoldChart]) -> None:
    for chart in gold_charts:
        assert chart.text is not None
        assert sum(code.principal for code in chart.codes) == 1, chart.id
        for code in chart.codes:
            assert code.evidence, (chart.id, code.code)
            for span in code.evidence:
                assert chart.text[span.start : span.end].strip(), (chart.id, code.code)


def _codes(charts: list[GoldChart]) -> set[str]:
    return {code.code for chart in charts for code in chart.codes}


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("family history (Z80-Z84)", ("Z80.", "Z82.", "Z83.")),
        ("personal history (Z85-Z87)", ("Z85.", "Z86.", "Z87.")),
        ("combination codes", ("E11.40", "E11.22", "I11.0", "I13.0")),
        ("7th characters", ("S52.501A", "S52.501D", "S93.402A", "S72.001A")),
        ("laterality", ("M17.11", "G56.02", "H66.001", "L03.116")),
        ("E/M levels", ("99202", "99203", "99204", "99212", "99213", "99214")),
        ("HCPCS drugs and vaccines", ("J1100", "J3301", "J1885", "G0008", "Q2035")),
    ],
)
def test_coverage(gold_charts: list[GoldChart], topic: str, expected: tuple[str, ...]) -> None:
    codes = _codes(gold_charts)
    for prefix in expected:
        assert any(code.startswith(prefix) for code in codes), (topic, prefix)


def test_negated_and_uncertain_findings_stay_uncoded(gold_charts: list[GoldChart]) -> None:
    by_id = {chart.id: chart for chart in gold_charts}
    # denied chest pain (syn-006) and "possible angina" outpatient (syn-010): no I20/R07 / I20
    assert not any(c.code.startswith("R07") for c in by_id["syn-006"].codes)
    assert not any(c.code.startswith("I20") for c in by_id["syn-010"].codes)
    # inpatient "probable pneumonia" (syn-011) is coded as established; outpatient "rule out
    # pneumonia" (syn-012) codes the symptoms instead
    assert "J18.9" in _codes([by_id["syn-011"]])
    assert {"R05.9", "R50.9"} <= _codes([by_id["syn-012"]])
    assert not any(c.code.startswith("J18") for c in by_id["syn-012"].codes)


def test_units_are_given_for_per_dose_drug_codes(gold_charts: list[GoldChart]) -> None:
    units = {c.code: c.units for chart in gold_charts for c in chart.codes if c.units}
    assert units == {"J3301": 4, "J1885": 2, "J2405": 4, "J1100": 10, "J0696": 4}
