"""The loaded releases of every code system and the choice of release for a date of service.

A claim is coded with the release in force on its date of service (ICD-10-CM Official Guidelines
Section I.A.3 ties valid codes to the classification in effect), so lookups go through
``release_for``. Several releases of one system may be loaded; when their dates overlap, the
newest (latest ``effective_from``) wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from codesets.errors import CodeSetVersionUnavailable, UnknownCodeSystem
from codesets.model import CodeSetRelease, System


class Registry:
    """Releases by system, newest first, with date-of-service selection."""

    def __init__(self, releases: Iterable[CodeSetRelease]) -> None:
        self._by_system: dict[System, list[CodeSetRelease]] = {}
        for release in releases:
            self._by_system.setdefault(release.system, []).append(release)
        for listed in self._by_system.values():
            listed.sort(key=lambda release: (release.effective_from, release.version), reverse=True)

    def releases(self) -> list[CodeSetRelease]:
        """Every loaded release: systems in their enum order, each system newest first."""
        return [release for system in System for release in self._by_system.get(system, [])]

    def systems(self) -> list[System]:
        """The systems with at least one loaded release."""
        return [system for system in System if system in self._by_system]

    def newest(self, system: System) -> CodeSetRelease:
        """The newest loaded release of ``system``."""
        listed = self._by_system.get(system)
        if not listed:
            raise UnknownCodeSystem(f"no release of {system.value} is loaded")
        return listed[0]

    def release_for(self, system: System, date_of_service: date | None) -> CodeSetRelease:
        """The release covering ``date_of_service``; ``None`` means the newest release."""
        if date_of_service is None:
            return self.newest(system)
        listed = self._by_system.get(system)
        if not listed:
            raise UnknownCodeSystem(f"no release of {system.value} is loaded")
        for release in listed:
            if release.covers(date_of_service):
                return release
        covered = "; ".join(
            f"{r.version}: {r.effective_from.isoformat()}..{r.effective_to.isoformat()}"
            for r in reversed(listed)
        )
        raise CodeSetVersionUnavailable(
            f"no loaded {system.value} release covers the date of service "
            f"{date_of_service.isoformat()}; loaded releases cover {covered}"
        )
