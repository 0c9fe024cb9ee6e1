"""The ICD-10-CM Alphabetic Index, Table of Neoplasms, Table of Drugs and Chemicals and External
Cause Index, read from the converted data under ``codesets/data/icd10cm-index/2025/``.

The files are CDC/NCHS's FY2025 April release, converted by ``codesets.convert`` with every code
checked against the FY2026 tabular (see its manifest for the counts). A code ending in "-" is
incomplete: the index points to a category and the tabular must supply the remaining characters
(Official Guidelines Section I.A.5 and I.B.1). ``Term`` records carry the category without the
dash, so they attach to a tabular code.

Every file is checked against its manifest's sha256 before it is parsed; nothing here reads the
source files.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.abc import Traversable
from typing import Any

from codesets.convert.xrefs import CONNECTORS, PathIndex
from codesets.datafiles import data_folder, read_jsonl, read_manifest
from codesets.model import System, Term

VERSION = "2025"
INDEX_FILE = "index.jsonl.gz"
NEOPLASM_FILE = "neoplasm.jsonl.gz"
DRUG_FILE = "drug.jsonl.gz"
EINDEX_FILE = "eindex.jsonl.gz"
NEOPLASM_ROOT = "Neoplasm"
DRUG_ROOT = "Drug table"
NEOPLASM_COLUMNS = (
    ("malignant_primary", "malignant primary"),
    ("malignant_secondary", "malignant secondary"),
    ("ca_in_situ", "ca in situ"),
    ("benign", "benign"),
    ("uncertain_behavior", "uncertain behavior"),
    ("unspecified_behavior", "unspecified behavior"),
)
DRUG_COLUMNS = (
    ("poisoning_accidental", "poisoning accidental"),
    ("poisoning_intentional", "poisoning intentional self-harm"),
    ("poisoning_assault", "poisoning assault"),
    ("poisoning_undetermined", "poisoning undetermined"),
    ("adverse_effect", "adverse effect"),
    ("underdosing", "underdosing"),
)
_MAX_HOPS = 5


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One Alphabetic Index (or External Cause Index) line: its path, code and references.

    ``code`` is the FY2026 code, with a trailing "-" when incomplete; ``inherited`` marks a code
    taken from the "see" target. ``status`` is the FY2026 class (``codesets.convert.fy2026``).
    """

    id: int
    path: tuple[str, ...]
    nonessential: str | None
    code: str | None
    status: str | None
    inherited: bool
    see: str | None
    see_id: int | None
    see_also: str | None
    see_also_id: int | None


@dataclass(frozen=True, slots=True)
class NeoplasmRow:
    """A site of the Table of Neoplasms and its code per behaviour ("-" suffix: incomplete)."""

    id: int
    path: tuple[str, ...]
    nonessential: str | None
    see: str | None
    see_id: int | None
    malignant_primary: str | None
    malignant_secondary: str | None
    ca_in_situ: str | None
    benign: str | None
    uncertain_behavior: str | None
    unspecified_behavior: str | None


@dataclass(frozen=True, slots=True)
class DrugRow:
    """A substance of the Table of Drugs and Chemicals and its code per intent or effect."""

    id: int
    path: tuple[str, ...]
    nonessential: str | None
    see: str | None
    see_id: int | None
    poisoning_accidental: str | None
    poisoning_intentional: str | None
    poisoning_assault: str | None
    poisoning_undetermined: str | None
    adverse_effect: str | None
    underdosing: str | None


def _folder(folder: Traversable | None) -> Traversable:
    return folder or data_folder("icd10cm-index", VERSION)


def index_manifest(folder: Traversable | None = None) -> dict[str, Any]:
    """The manifest of the converted index and tables: sources, versions, checksums, counts."""
    return read_manifest(_folder(folder))


def _rows(name: str, folder: Traversable | None) -> list[dict[str, Any]]:
    where = _folder(folder)
    return read_jsonl(where, name, read_manifest(where))


def _entry(row: dict[str, Any]) -> IndexEntry:
    return IndexEntry(
        id=row["id"],
        path=tuple(row["path"]),
        nonessential=row.get("nonessential"),
        code=row.get("code"),
        status=row.get("status"),
        inherited=bool(row.get("inherited")),
        see=row.get("see"),
        see_id=row.get("see_id"),
        see_also=row.get("see_also"),
        see_also_id=row.get("see_also_id"),
    )


def load_index(folder: Traversable | None = None) -> list[IndexEntry]:
    """Every Alphabetic Index line, in index order."""
    return [_entry(row) for row in _rows(INDEX_FILE, folder)]


def load_external_cause_index(folder: Traversable | None = None) -> list[IndexEntry]:
    """Every External Cause of Injuries Index line, in index order."""
    return [_entry(row) for row in _rows(EINDEX_FILE, folder)]


def load_neoplasm_table(folder: Traversable | None = None) -> list[NeoplasmRow]:
    """Every row of the Table of Neoplasms (the site-unspecified line has an empty path)."""
    return [
        NeoplasmRow(
            id=row["id"],
            path=tuple(row["path"]),
            nonessential=row.get("nonessential"),
            see=row.get("see"),
            see_id=row.get("see_id"),
            **{name: row.get("codes", {}).get(name) for name, _ in NEOPLASM_COLUMNS},
        )
        for row in _rows(NEOPLASM_FILE, folder)
    ]


def load_drug_table(folder: Traversable | None = None) -> list[DrugRow]:
    """Every row of the Table of Drugs and Chemicals."""
    return [
        DrugRow(
            id=row["id"],
            path=tuple(row["path"]),
            nonessential=row.get("nonessential"),
            see=row.get("see"),
            see_id=row.get("see_id"),
            **{name: row.get("codes", {}).get(name) for name, _ in DRUG_COLUMNS},
        )
        for row in _rows(DRUG_FILE, folder)
    ]


def display_path(path: Iterable[str]) -> str:
    """A path as the index reads it: "Diabetes, diabetic, type 2, with neuropathy"."""
    # Levels are joined by commas; a connector level ("with") is joined to its subterm.
    shown: list[str] = []
    pending = ""
    for part in path:
        if part.lower() in CONNECTORS:
            pending = f"{pending} {part}".strip()
            continue
        shown.append(f"{pending} {part}" if pending else part)
        pending = ""
    if pending:
        shown.append(pending)
    return ", ".join(shown)


def _index_terms(entries: list[IndexEntry], source: str) -> Iterator[Term]:
    for entry in entries:
        if entry.code:
            yield Term(
                text=entry.path[-1],
                system=System.ICD10CM,
                code=entry.code.rstrip("-"),
                source=source,
                path=display_path(entry.path),
            )


def load_index_terms(folder: Traversable | None = None) -> list[Term]:
    """A ``Term`` for every Alphabetic Index line with a code (its own or its "see" target's)."""
    return list(_index_terms(load_index(folder), "index"))


def load_external_cause_terms(folder: Traversable | None = None) -> list[Term]:
    """A ``Term`` (source ``eindex``) for every External Cause Index line with a code."""
    return list(_index_terms(load_external_cause_index(folder), "eindex"))


def _table_terms(
    rows: Iterable[NeoplasmRow | DrugRow],
    columns: tuple[tuple[str, str], ...],
    root: str,
    source: str,
) -> Iterator[Term]:
    for row in rows:
        text = row.path[-1] if row.path else root
        for name, label in columns:
            code = getattr(row, name)
            if code:
                yield Term(
                    text=text,
                    system=System.ICD10CM,
                    code=code.rstrip("-"),
                    source=source,
                    path=", ".join((root, *row.path, label)),
                )


def load_neoplasm_terms(folder: Traversable | None = None) -> list[Term]:
    """A ``Term`` per code cell of the Table of Neoplasms ("Neoplasm, lung, malignant primary")."""
    return list(
        _table_terms(load_neoplasm_table(folder), NEOPLASM_COLUMNS, NEOPLASM_ROOT, "neoplasm")
    )


def load_drug_terms(folder: Traversable | None = None) -> list[Term]:
    """A ``Term`` per code cell of the drug table ("Drug table, Acetaminophen, poisoning ...")."""
    return list(_table_terms(load_drug_table(folder), DRUG_COLUMNS, DRUG_ROOT, "drug"))


class _Finder:
    """Path lookups over one list of rows, following "see" links into the target's subterms."""

    def __init__(
        self, paths: list[tuple[str, ...]], see: list[int | None], has_code: list[bool]
    ) -> None:
        self._paths = paths
        self._see = see  # position of each row's "see" target
        self._has_code = has_code
        self._index = PathIndex()
        for position, path in enumerate(paths):
            self._index.add(path, position)

    def find(self, parts: tuple[str, ...], hops: int = 0) -> int | None:
        """The position of the row that ``parts`` names, through "see" links when needed."""
        if not parts or hops > _MAX_HOPS:
            return None
        whole = self._index.find(", ".join(parts))
        if whole is not None:
            return whole
        # A "see" row stands for its target: continue below the target with the rest.
        for cut in range(len(parts) - 1, 0, -1):
            position = self._index.find(", ".join(parts[:cut]))
            if position is None:
                continue
            target = self._see[position]
            if target is None:
                return None
            return self.find((*self._paths[target], *parts[cut:]), hops + 1)
        return None

    def settle(self, position: int) -> int:
        """Follow "see" links from a row without codes to the first row that has some."""
        for _ in range(_MAX_HOPS):
            target = self._see[position]
            if self._has_code[position] or target is None:
                break
            position = target
        return position


def _codes(row: NeoplasmRow | DrugRow, columns: tuple[tuple[str, str], ...]) -> bool:
    return any(getattr(row, name) for name, _ in columns)


_Row = IndexEntry | NeoplasmRow | DrugRow


def _has_code(row: _Row) -> bool:
    if isinstance(row, IndexEntry):
        return row.code is not None
    return _codes(row, NEOPLASM_COLUMNS if isinstance(row, NeoplasmRow) else DRUG_COLUMNS)


def _finder(rows: Sequence[_Row]) -> _Finder:
    positions = {row.id: position for position, row in enumerate(rows)}
    see = [positions.get(row.see_id) if row.see_id else None for row in rows]
    return _Finder([row.path for row in rows], see, [_has_code(row) for row in rows])


@lru_cache(maxsize=1)
def _index_finder() -> tuple[_Finder, tuple[IndexEntry, ...]]:
    entries = tuple(load_index())
    return _finder(entries), entries


def index_lookup(*parts: str) -> str | None:
    """The code the index gives for a path ("Diabetes", "type 2", "with neuropathy"), any case.

    A trailing "-" means the code is incomplete. Main terms match by any of their spellings
    ("Diabetes" for "Diabetes, diabetic"), and "see" references are followed.
    """
    finder, entries = _index_finder()
    position = finder.find(tuple(parts))
    if position is None:
        return None
    return entries[finder.settle(position)].code


@lru_cache(maxsize=1)
def _neoplasm_finder() -> tuple[_Finder, tuple[NeoplasmRow, ...]]:
    rows = tuple(load_neoplasm_table())
    return _finder(rows), rows


@lru_cache(maxsize=1)
def _drug_finder() -> tuple[_Finder, tuple[DrugRow, ...]]:
    rows = tuple(load_drug_table())
    return _finder(rows), rows


def neoplasm_row(*site: str) -> NeoplasmRow | None:
    """The Table of Neoplasms row for a site path ("lung", "upper lobe"), any case."""
    finder, rows = _neoplasm_finder()
    position = finder.find(tuple(site))
    if position is None:
        return None
    return rows[finder.settle(position)]


def drug_row(*substance: str) -> DrugRow | None:
    """The Table of Drugs and Chemicals row for a substance path ("Acetaminophen"), any case."""
    finder, rows = _drug_finder()
    position = finder.find(tuple(substance))
    if position is None:
        return None
    return rows[finder.settle(position)]
