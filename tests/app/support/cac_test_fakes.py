"""Small fakes of the coder and the code sets for the service's tests.

Kept in a plain module (not conftest) so a ``cac serve`` subprocess can load them through
``CAC_CODER_FACTORY=cac_test_fakes:load_coder`` with this folder on PYTHONPATH.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from codesets.errors import UnknownCode
from codesets.model import Code, SearchHit, System
from models.schema import CodingResult, Evidence, Setting, Suggestion, Versions

VERSIONS = Versions(icd10cm="2025", hcpcs="2025", cpt="sample-2025", model="fake-1", pipeline="t1")


def _icd(
    code: str,
    description: str,
    *,
    billable: bool = True,
    parents: tuple[str, ...] = (),
    excludes1: tuple[str, ...] = (),
    version: str = "2025",
) -> Code:
    return Code(
        System.ICD10CM, code, description, billable, version, parents=parents, excludes1=excludes1
    )


CODES: dict[tuple[System, str], Code] = {
    (c.system, c.code): c
    for c in [
        _icd(
            "E11",
            "Type 2 diabetes mellitus",
            billable=False,
            excludes1=("type 1 diabetes mellitus (E10.-)", "gestational diabetes (O24.4-)"),
        ),
        _icd("E11.9", "Type 2 diabetes mellitus without complications", parents=("E11",)),
        _icd(
            "E11.4",
            "Type 2 diabetes mellitus with neurological complications",
            billable=False,
            parents=("E11",),
        ),
        _icd(
            "E11.42",
            "Type 2 diabetes mellitus with diabetic polyneuropathy",
            parents=("E11", "E11.4"),
        ),
        _icd(
            "E10",
            "Type 1 diabetes mellitus",
            billable=False,
            excludes1=("type 2 diabetes mellitus (E11.-)",),
        ),
        _icd("E10.9", "Type 1 diabetes mellitus without complications", parents=("E10",)),
        _icd("I10", "Essential (primary) hypertension"),
        _icd("J45.909", "Unspecified asthma, uncomplicated"),
        # a code only an older release has, to exercise the version check
        _icd("Z00.00", "Encounter for general adult medical examination", version="2024"),
        Code(
            System.CPT,
            "99213",
            "Office visit, established patient, low complexity",
            True,
            "sample-2025",
            is_sample=True,
        ),
        Code(System.HCPCS, "E0130", "Walker, rigid, adjustable or fixed height", True, "2025"),
    ]
}

# phrase in the note -> code the fake coder suggests
_TRIGGERS = [
    ("type 1 diabetes", System.ICD10CM, "E10.9"),
    ("type 2 diabetes", System.ICD10CM, "E11.9"),
    ("hypertension", System.ICD10CM, "I10"),
    ("office visit", System.CPT, "99213"),
    ("walker", System.HCPCS, "E0130"),
]


class FakeCodeSets:
    """Looks codes up in ``CODES``; search matches words of the description."""

    def lookup(self, system: System, code: str, *, date_of_service: date | None = None) -> Code:
        """The code, or ``UnknownCode``."""
        found = CODES.get((System(system), code))
        if found is None:
            raise UnknownCode(f"{code} is not in {system} 2025")
        return found

    def search(
        self,
        query: str,
        *,
        systems: Sequence[System] | None = None,
        limit: int = 10,
        billable_only: bool = False,
    ) -> list[SearchHit]:
        """Codes whose description contains every query word, or whose code starts with it."""
        words = query.lower().split()
        hits = [
            SearchHit(c, 1.0, c.description, "tabular")
            for c in CODES.values()
            if (systems is None or c.system in systems)
            and (c.billable or not billable_only)
            and (all(w in c.description.lower() for w in words) or c.code.startswith(query.upper()))
        ]
        return hits[:limit]

    def versions(self) -> object:
        """The fake releases."""
        return {"ICD-10-CM": "2025", "HCPCS": "2025", "CPT": "sample-2025"}


class FakeCoder:
    """Suggests a code for each trigger phrase found in the note, with exact offsets."""

    def code(
        self, text: str, *, setting: Setting = "outpatient", date_of_service: date | None = None
    ) -> CodingResult:
        """A fixed result built from the note's trigger phrases."""
        suggestions: list[Suggestion] = []
        lowered = text.lower()
        for phrase, system, code in _TRIGGERS:
            start = lowered.find(phrase)
            if start < 0:
                continue
            found = CODES[(system, code)]
            suggestions.append(
                Suggestion(
                    system=system.value,
                    code=code,
                    description=found.description,
                    billable=found.billable,
                    confidence=0.9 - 0.1 * len(suggestions),
                    rank=len(suggestions) + 1,
                    evidence=[
                        Evidence(
                            start=start,
                            end=start + len(phrase),
                            text=text[start : start + len(phrase)],
                        )
                    ],
                    rationale=f"'{phrase}' is documented",
                    is_sample=found.is_sample,
                )
            )
        return CodingResult(
            suggestions=suggestions,
            mentions=[],
            versions=VERSIONS,
            setting=setting,
            date_of_service=date_of_service,
            no_suggestions_reason=None if suggestions else "no codable content found",
        )


def load_coder() -> FakeCoder:
    """Factory for ``CAC_CODER_FACTORY``."""
    return FakeCoder()


def load_codesets() -> FakeCodeSets:
    """Factory for ``CAC_CODESETS_FACTORY``."""
    return FakeCodeSets()
