"""``CodeSets``: every loaded release with lookups, search, versions and terms.

Built from the cache (``codesets.cache``) in about a second. Codes are decoded into ``Code``
records on first access and memoized (``codesets.codetable``), and a repeated lookup with the
same arguments is a single dictionary hit, as ``models`` needs for every note. Use
``get_codesets()`` for the process-wide instance.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np

from codesets.cache import SOURCES, SYSTEMS, load_payload, release_from_row
from codesets.codetable import CodeTable
from codesets.config import CodeSetConfig, get_config
from codesets.errors import InvalidQuery, UnknownCode
from codesets.model import Code, CodeSetRelease, SearchHit, System, Term
from codesets.normalize import normalize_code, parse_system
from codesets.registry import Registry
from codesets.search import SearchIndex, tokens

_MAX_QUERY = 500


class CodeSets:
    """All loaded code-set releases: look codes up, search them, pick releases by date."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self._releases = [release_from_row(row) for row in payload["releases"]]
        self._registry = Registry(self._releases)
        self._position = {(r.system, r.version): i for i, r in enumerate(self._releases)}
        self._tables = [
            CodeTable(release.system, encoded, payload["pool"])
            for release, encoded in zip(self._releases, payload["tables"], strict=True)
        ]
        # (system as given, code as given) -> Code in the newest release: one dict hit per lookup.
        self._newest: dict[tuple[str | System, str], Code] = {}
        self._code_release = np.frombuffer(payload["code_release"], dtype=np.int32)
        self._code_names: list[str] = payload["code_names"]
        self._term_text: list[str] = payload["term_text"]
        self._term_path: list[str | None] = payload["term_path"]
        self._term_source = np.frombuffer(payload["term_source"], dtype=np.int8)
        self._term_code = np.frombuffer(payload["term_code"], dtype=np.int32)
        self._terms: dict[System, tuple[Term, ...]] = {}
        self._index = SearchIndex(payload["search"])

    def _system(self, system: str | System) -> System:
        return system if isinstance(system, System) else parse_system(system)

    def _release_position(self, system: System, date_of_service: date | None) -> int:
        release = self._registry.release_for(system, date_of_service)
        return self._position[(system, release.version)]

    def _code_at(self, position: int, code: str) -> Code | None:
        table = self._tables[position]
        found = table.get(code)
        if found is None and code not in table:
            found = table.get(normalize_code(table.system, code))
        return found

    def find(
        self, system: str | System, code: str, *, date_of_service: date | None = None
    ) -> Code | None:
        """The code, or ``None`` when the release lacks it; a malformed code still raises."""
        return self._code_at(self._release_position(self._system(system), date_of_service), code)

    def lookup(
        self, system: str | System, code: str, *, date_of_service: date | None = None
    ) -> Code:
        """The code in the release covering ``date_of_service`` (``None``: the newest)."""
        if date_of_service is None:
            known = self._newest.get((system, code))
            if known is not None:
                return known
        resolved = self._system(system)
        position = self._release_position(resolved, date_of_service)
        found = self._code_at(position, code)
        if found is None:
            release = self._releases[position]
            raise UnknownCode(
                f"{normalize_code(resolved, code)} is not a code of {resolved.value} "
                f"{release.version}"
            )
        if date_of_service is None:
            self._newest[(system, code)] = found
        return found

    def is_billable(
        self, system: str | System, code: str, *, date_of_service: date | None = None
    ) -> bool:
        """True when the code may be reported as is (a leaf of the tabular, I.A.3)."""
        return self.lookup(system, code, date_of_service=date_of_service).billable

    def children(
        self,
        code: str,
        *,
        system: str | System = System.ICD10CM,
        date_of_service: date | None = None,
    ) -> list[Code]:
        """The direct subdivisions of ``code`` in tabular order (empty for a billable leaf)."""
        resolved = self._system(system)
        position = self._release_position(resolved, date_of_service)
        parent = self.lookup(resolved, code, date_of_service=date_of_service)
        return [
            self.lookup(resolved, child, date_of_service=date_of_service)
            for child in self._tables[position].children(parent.code)
        ]

    def count(
        self,
        system: str | System,
        *,
        billable_only: bool = False,
        date_of_service: date | None = None,
    ) -> int:
        """How many codes the release holds (only billable ones with ``billable_only``)."""
        table = self._tables[self._release_position(self._system(system), date_of_service)]
        return table.billable_count() if billable_only else len(table)

    def versions(self) -> list[CodeSetRelease]:
        """Every loaded release, each system's newest first."""
        return self._registry.releases()

    def release_for(
        self, system: str | System, date_of_service: date | None = None
    ) -> CodeSetRelease:
        """The release of ``system`` covering ``date_of_service`` (``None``: the newest)."""
        return self._registry.release_for(self._system(system), date_of_service)

    def terms(self, system: str | System) -> Iterator[Term]:
        """Every name of a code of the newest release: descriptions, inclusion, index, tables."""
        resolved = self._system(system)
        held = self._terms.get(resolved)
        if held is None:
            wanted = self._position[(resolved, self._registry.newest(resolved).version)]
            ids = np.flatnonzero(self._code_release[self._term_code] == wanted)
            codes, texts, paths = self._code_names, self._term_text, self._term_path
            held = tuple(
                Term(texts[i], resolved, codes[code], SOURCES[source], paths[i])
                for i, code, source in zip(
                    ids.tolist(),
                    self._term_code[ids].tolist(),
                    self._term_source[ids].tolist(),
                    strict=True,
                )
            )
            self._terms[resolved] = held
        return iter(held)

    def search(
        self,
        query: str,
        *,
        systems: Sequence[str | System] | None = None,
        limit: int = 10,
        billable_only: bool = False,
    ) -> list[SearchHit]:
        """Codes whose names best match ``query``, best first (scores in [0, 1])."""
        if not isinstance(query, str) or not query.strip():
            raise InvalidQuery("the search query is empty")
        if len(query) > _MAX_QUERY:
            raise InvalidQuery(f"the search query is longer than {_MAX_QUERY} characters")
        if not tokens(query):
            raise InvalidQuery("the search query has no searchable words")
        if limit < 1:
            raise InvalidQuery("the search limit must be at least 1")
        wanted = None
        if systems is not None:
            wanted = [SYSTEMS.index(self._system(system)) for system in systems]
        hits = self._index.query(query, systems=wanted, billable_only=billable_only, limit=limit)
        return [
            SearchHit(
                code=self._code_by_id(hit.code_id),
                score=round(min(hit.score, 1.0), 4),
                matched_term=self._term_path[hit.term_id] or self._term_text[hit.term_id],
                source=SOURCES[self._term_source[hit.term_id]],
            )
            for hit in hits
        ]

    def _code_by_id(self, code_id: int) -> Code:
        found = self._code_at(int(self._code_release[code_id]), self._code_names[code_id])
        if found is None:  # the cache is built from the same tables; this cannot be reached
            raise UnknownCode(f"code id {code_id} is missing from its release")
        return found


def load_codesets(config: CodeSetConfig | None = None) -> CodeSets:
    """Load every code set from the cache (built first when missing or stale)."""
    return CodeSets(load_payload(config or get_config()))


@lru_cache(maxsize=1)
def get_codesets() -> CodeSets:
    """The process-wide ``CodeSets``, loaded on first use."""
    return load_codesets()
