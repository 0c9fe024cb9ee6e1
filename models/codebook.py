"""The code sets as the coder sees them: one small interface over whatever store is loaded.

The coder needs only a few things from ``codesets``: a code's record (description, billable flag,
notes), its children (to walk down to a billable leaf), the phrases that name codes, the loaded
versions and the release in force on a date of service. ``CodeBook`` is that interface;
``StoreCodeBook`` adapts the cached ``codesets.store`` and ``TabularCodeBook`` reads the tabular
directly (slower to load; used when no cache has been built, and in tests).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Protocol

from codesets.errors import CACError
from codesets.model import Code, CodeSetRelease, System, Term
from codesets.registry import Registry

if TYPE_CHECKING:
    from codesets.store import CodeSets


class CodeBook(Hashable, Protocol):
    """What the coder reads from the code sets (hashable: walks are remembered per code book)."""

    def get(self, system: System, code: str) -> Code | None:
        """The code's record, or ``None`` when the release does not hold it."""
        ...

    def children(self, code: str) -> list[str]:
        """The ICD-10-CM codes one level below ``code``, in tabular order."""
        ...

    def terms(self, system: System) -> Iterable[Term]:
        """Every phrase naming a code of ``system`` (descriptions, inclusion and index terms)."""
        ...

    def versions(self) -> dict[System, str]:
        """The newest loaded version of each system."""
        ...

    def release_for(self, system: System, date_of_service: date | None) -> CodeSetRelease:
        """The release in force on ``date_of_service``; raises ``CodeSetVersionUnavailable``."""
        ...


class TabularCodeBook:
    """ICD-10-CM straight from the packaged tabular; HCPCS and CPT are absent."""

    def __init__(self, release: CodeSetRelease, codes: Iterable[Code]) -> None:
        self._codes: dict[str, Code] = {}
        self._children: dict[str, list[str]] = {}
        for code in codes:
            self._codes[code.code] = code
            if code.parents:
                self._children.setdefault(code.parents[0], []).append(code.code)
        self._registry = Registry([release])

    @classmethod
    def load(cls) -> TabularCodeBook:
        """Read the FY2026 tabular from ``simple_icd_10_cm`` (a few seconds)."""
        from codesets.icd10cm.tabular import load_tabular

        release, codes = load_tabular()
        return cls(release, codes)

    def get(self, system: System, code: str) -> Code | None:
        """The ICD-10-CM record of ``code``; ``None`` for other systems."""
        return self._codes.get(code) if system is System.ICD10CM else None

    def children(self, code: str) -> list[str]:
        """The codes one level below ``code``."""
        return list(self._children.get(code, ()))

    def terms(self, system: System) -> Iterator[Term]:
        """Descriptions and inclusion terms of every code."""
        if system is not System.ICD10CM:
            return
        for code in self._codes.values():
            yield Term(code.description, system, code.code, "tabular")
            for phrase in code.inclusion_terms:
                yield Term(phrase, system, code.code, "inclusion")

    def versions(self) -> dict[System, str]:
        """The tabular's version; HCPCS and CPT are not loaded."""
        return {release.system: release.version for release in self._registry.releases()}

    def release_for(self, system: System, date_of_service: date | None) -> CodeSetRelease:
        """The release covering ``date_of_service``."""
        return self._registry.release_for(system, date_of_service)


class StoreCodeBook:
    """The cached code sets of ``codesets.store`` behind the coder's interface."""

    def __init__(self, store: CodeSets) -> None:
        self._store = store
        # A note asks for the same few dozen codes ~70 times and walks their children: the
        # store resolves the release on every call (0.41 us a record, 2.6 us a child list,
        # against 0.06 us for a dict hit). The answers never change, so those of codes the
        # store holds are kept (at most one per code; a racing thread stores the same value).
        self._records: dict[tuple[System, str], Code] = {}
        self._children: dict[str, tuple[str, ...]] = {}

    def get(self, system: System, code: str) -> Code | None:
        """The record of ``code``, or ``None`` when the store does not hold it."""
        found = self._records.get((system, code))
        if found is None:
            try:
                found = self._store.find(system, code)
            except CACError:
                return None
            if found is not None:
                self._records[system, code] = found
        return found

    def children(self, code: str) -> list[str]:
        """The codes one level below ``code``."""
        known = self._children.get(code)
        if known is None:
            try:
                known = tuple(child.code for child in self._store.children(code))
            except CACError:
                return []
            self._children[code] = known
        return list(known)

    def terms(self, system: System) -> Iterable[Term]:
        """Every phrase the store holds for ``system``."""
        try:
            return self._store.terms(system)
        except CACError:
            return []

    def versions(self) -> dict[System, str]:
        """The newest loaded version of each system."""
        found: dict[System, str] = {}
        for release in self._store.versions():
            found.setdefault(release.system, release.version)
        return found

    def release_for(self, system: System, date_of_service: date | None) -> CodeSetRelease:
        """The release covering ``date_of_service``."""
        return self._store.release_for(system, date_of_service)


def open_codebook() -> CodeBook:
    """The cached code sets of ``codesets.store``; the packaged tabular if the store is absent."""
    try:
        from codesets.store import get_codesets

        return StoreCodeBook(get_codesets())
    except ImportError:
        return TabularCodeBook.load()
