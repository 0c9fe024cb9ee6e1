"""Releases and their selection by date of service."""

from __future__ import annotations

from datetime import date

import pytest

from codesets.errors import CodeSetVersionUnavailable, UnknownCodeSystem
from codesets.model import CodeSetRelease, System
from codesets.registry import Registry
from codesets.store import CodeSets


def _release(version: str, start: date, end: date) -> CodeSetRelease:
    return CodeSetRelease(System.ICD10CM, version, start, end, "test", "public domain")


FY2025 = _release("2025", date(2024, 10, 1), date(2025, 9, 30))
FY2026 = _release("2026", date(2025, 10, 1), date(2026, 9, 30))


@pytest.mark.parametrize(
    ("day", "version"),
    [
        (date(2024, 10, 1), "2025"),
        (date(2025, 9, 30), "2025"),
        (date(2025, 10, 1), "2026"),
        (date(2026, 9, 30), "2026"),
        (None, "2026"),
    ],
)
def test_several_releases_per_system(day: date | None, version: str) -> None:
    registry = Registry([FY2026, FY2025])
    assert registry.release_for(System.ICD10CM, day).version == version


def test_newest_first() -> None:
    assert [r.version for r in Registry([FY2025, FY2026]).releases()] == ["2026", "2025"]


def test_uncovered_date_names_the_covered_dates() -> None:
    registry = Registry([FY2025, FY2026])
    with pytest.raises(CodeSetVersionUnavailable) as raised:
        registry.release_for(System.ICD10CM, date(2026, 10, 1))
    assert "2024-10-01..2025-09-30" in raised.value.message
    assert "2025-10-01..2026-09-30" in raised.value.message


def test_system_without_release() -> None:
    with pytest.raises(UnknownCodeSystem):
        Registry([FY2026]).release_for(System.CPT, None)


def test_loaded_icd10cm_release(codesets: CodeSets) -> None:
    release = codesets.release_for("ICD-10-CM", date(2026, 3, 15))
    assert release.version == "2026"
    assert (release.effective_from, release.effective_to) == (date(2025, 10, 1), date(2026, 9, 30))
    with pytest.raises(CodeSetVersionUnavailable, match=r"2025-10-01\.\.2026-09-30"):
        codesets.lookup("ICD-10-CM", "E11.9", date_of_service=date(2024, 5, 1))


def test_loaded_hcpcs_release_dates_come_from_the_file(codesets: CodeSets) -> None:
    release = codesets.release_for("HCPCS")
    assert release.effective_from.year == release.effective_to.year == 2020
    assert codesets.release_for("HCPCS", date(2020, 6, 1)) == release
    with pytest.raises(CodeSetVersionUnavailable):
        codesets.release_for("HCPCS", date(2021, 6, 1))


def test_cpt_sample_is_flagged(codesets: CodeSets) -> None:
    release = codesets.release_for("CPT")
    assert release.is_sample
    assert release.effective_from <= release.effective_to


def test_versions_lists_every_system(codesets: CodeSets) -> None:
    systems = {release.system for release in codesets.versions()}
    assert systems == {System.ICD10CM, System.HCPCS, System.CPT}
