"""What the service needs from the code sets: look up, search, versions (``codesets.store``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from codesets.errors import UnknownCodeSystem
from codesets.model import Code, SearchHit, System

_ALIASES = {
    "icd-10-cm": System.ICD10CM,
    "icd10cm": System.ICD10CM,
    "icd10": System.ICD10CM,
    "cpt": System.CPT,
    "hcpcs": System.HCPCS,
}


class CodeSets(Protocol):
    """The loaded code-set releases (``codesets.store.get_codesets()`` returns one)."""

    def lookup(self, system: System, code: str, *, date_of_service: date | None = None) -> Code:
        """The code of ``system`` in the release covering ``date_of_service``."""
        ...

    def search(
        self,
        query: str,
        *,
        systems: Sequence[System] | None = None,
        limit: int = 10,
        billable_only: bool = False,
    ) -> list[SearchHit]:
        """Ranked codes whose terms match ``query``."""
        ...

    def versions(self) -> object:
        """The loaded releases."""
        ...


def parse_system(name: str) -> System:
    """``ICD-10-CM``/``icd10cm``/``CPT``/``HCPCS`` -> ``System``; anything else is refused."""
    system = _ALIASES.get(name.strip().lower())
    if system is None:
        known = ", ".join(s.value for s in System)
        raise UnknownCodeSystem(f"unknown code system {name[:40]!r}; use one of {known}")
    return system


def run_version(system: System, *, icd10cm: str, hcpcs: str, cpt: str) -> str:
    """The release of ``system`` a coding run used."""
    return {System.ICD10CM: icd10cm, System.HCPCS: hcpcs, System.CPT: cpt}[system]
