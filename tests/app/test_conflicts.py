"""Parsing code references out of Excludes1 note lines."""

from __future__ import annotations

import pytest

from app.conflicts import references

CASES = [
    ("type 1 diabetes mellitus (E10.-)", ["E11.9"], ["E10", "E10.9", "E10.65"]),
    ("gestational diabetes (O24.4-)", ["O24.3", "O24.5"], ["O24.4", "O24.419"]),
    ("diabetes mellitus due to underlying condition (E08.-)", ["E09.9"], ["E08.9"]),
    ("secondary diabetes (E08-E09)", ["E07.9", "E10.9"], ["E08.1", "E09.9"]),
    ("neonatal conditions (P00-P96)", ["Q00.0", "O99"], ["P07.30", "P96.9"]),
    ("transient hypertension (R03.0)", ["R03.1", "R03"], ["R03.0"]),
    ("hypertension in pregnancy (O10-O11, O13-O16)", ["O12.0", "O17"], ["O10.0", "O15.9"]),
    ("Excludes1 with no codes at all", ["E11.9"], []),
]


@pytest.mark.parametrize(("line", "outside", "inside"), CASES)
def test_references_cover_exactly_the_named_codes(
    line: str, outside: list[str], inside: list[str]
) -> None:
    refs = references(line)
    for code in inside:
        assert any(r.covers(code) for r in refs), code
    for code in outside:
        assert not any(r.covers(code) for r in refs), code
