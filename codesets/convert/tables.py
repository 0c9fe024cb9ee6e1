"""The shared reader of CDC's index XML (``icd10cm-index`` and ``drug-neoplasm`` schemas).

The Table of Neoplasms, the Table of Drugs and Chemicals and the External Cause Index share one
shape: ``letter`` > ``mainTerm`` > nested ``term level=N`` elements, each with a ``title`` (whose
``nemod`` child holds the nonessential modifiers), optional ``see``/``seeAlso``/``manif``, and
either table ``cell col=N`` elements or a single ``code``/``subcat``/``seecat``. Addenda mark-up
(``new``/``old``) is read as the current text: ``new`` kept, ``old`` left out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from codesets.convert.fy2026 import Resolved, Tabular, count_statuses
from codesets.convert.xrefs import KINDS, ROW, UNRESOLVED, PathIndex, Reference
from codesets.errors import MalformedCodeSetFile

_CODE_TAGS = ("code", "subcat", "seecat")
_EMPTY_CELLS = {"", "-", "--", "—"}


@dataclass(slots=True)
class TableEntry:
    """One term of a table or index XML, with its full path and raw cells."""

    path: tuple[str, ...]
    nonessential: str = ""
    manifestation: str = ""
    see: str = ""
    see_also: str = ""
    cells: dict[int, str] = field(default_factory=dict)
    code: str = ""


def _clean(text: str) -> str:
    return " ".join(text.split())


def _text(element: ElementTree.Element | None) -> tuple[str, str]:
    """An element's own words and, apart, the words of its ``nemod`` children."""
    if element is None:
        return "", ""
    words: list[str] = [element.text or ""]
    modifiers: list[str] = []
    for child in element:
        if child.tag == "nemod":
            modifiers.append("".join(child.itertext()))
        elif child.tag != "old":
            words.append("".join(child.itertext()))
        words.append(child.tail or "")
    return _clean(" ".join(words)).replace(" ,", ","), _clean(" ".join(modifiers))


def _entries(element: ElementTree.Element, parent: tuple[str, ...]) -> Iterator[TableEntry]:
    title, nonessential = _text(element.find("title"))
    if not title:
        title = nonessential
    path = (*parent, title)
    entry = TableEntry(path=path, nonessential=nonessential)
    entry.manifestation = _text(element.find("manif"))[0]
    entry.see = _text(element.find("see"))[0]
    entry.see_also = _text(element.find("seeAlso"))[0]
    for cell in element.findall("cell"):
        value = _clean("".join(cell.itertext()))
        if value not in _EMPTY_CELLS:
            entry.cells[int(cell.get("col", "0"))] = value.upper()
    for tag in _CODE_TAGS:
        found = element.find(tag)
        if found is not None and _clean("".join(found.itertext())):
            entry.code = _clean("".join(found.itertext())).upper()
            break
    yield entry
    for child in element.findall("term"):
        yield from _entries(child, path)


def read_table(data: bytes, name: str) -> tuple[str, list[TableEntry]]:
    """The file's version and every term in document order."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise MalformedCodeSetFile(f"{name}: not well-formed XML ({error})") from None
    if root.tag != "ICD10CM.index":
        raise MalformedCodeSetFile(f"{name}: root element is {root.tag}, not ICD10CM.index")
    version = _clean(root.findtext("version") or "")
    entries = [
        entry
        for letter in root.findall("letter")
        for main in letter.findall("mainTerm")
        for entry in _entries(main, ())
    ]
    return version, entries


@dataclass(slots=True)
class Linked:
    """The references of one entry, resolved against its own table."""

    see: Reference | None
    see_also: Reference | None


def link(entries: list[TableEntry]) -> list[Linked]:
    """Resolve every entry's "see"/"see also" against the paths of the same file."""
    index = PathIndex()
    for position, entry in enumerate(entries):
        index.add(entry.path, position)
    return [
        Linked(
            see=index.resolve(entry.see) if entry.see else None,
            see_also=index.resolve(entry.see_also) if entry.see_also else None,
        )
        for entry in entries
    ]


def reference_fields(row: dict[str, Any], prefix: str, text: str, ref: Reference | None) -> None:
    """Write one reference into a JSONL row: its text, kind and target row or code/table."""
    if ref is None:
        return
    row[prefix] = text
    row[f"{prefix}_kind"] = ref.kind
    if ref.kind == ROW and ref.row is not None:
        row[f"{prefix}_id"] = ref.row + 1
    elif ref.target is not None and ref.kind != UNRESOLVED:
        row[f"{prefix}_target"] = ref.target


def reference_counts(links: list[Linked]) -> dict[str, dict[str, int]]:
    """How many "see" and "see also" references fell in each kind."""
    see = Counter(item.see.kind for item in links if item.see is not None)
    also = Counter(item.see_also.kind for item in links if item.see_also is not None)
    return {
        "see": {"rows": sum(see.values()), **{kind: see.get(kind, 0) for kind in KINDS}},
        "see_also": {"rows": sum(also.values()), **{kind: also.get(kind, 0) for kind in KINDS}},
    }


def resolve_cells(
    entry: TableEntry, columns: tuple[str, ...], tabular: Tabular
) -> dict[str, Resolved]:
    """The entry's cells by column name (column 2 is the first code column), checked."""
    return {
        columns[col - 2]: tabular.resolve(value)
        for col, value in sorted(entry.cells.items())
        if 2 <= col < len(columns) + 2
    }


def convert_table(
    entries: list[TableEntry],
    columns: tuple[str, ...],
    tabular: Tabular,
    *,
    drop_root: bool,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """JSONL rows of a table (codes by column name, FY2026-checked) and its manifest counts.

    With ``drop_root`` the single main term ("Neoplasm, neoplastic") is left out of the paths.
    A row with a "see" and no codes of its own takes its target's codes (``inherited``).
    """
    links = link(entries)
    cells = [resolve_cells(entry, columns, tabular) for entry in entries]
    rows: list[dict[str, Any]] = []
    inherited = 0
    for position, (entry, linked, resolved) in enumerate(zip(entries, links, cells, strict=True)):
        path = list(entry.path[1:] if drop_root else entry.path)
        row: dict[str, Any] = {"id": position + 1, "path": path}
        if entry.nonessential:
            row["nonessential"] = entry.nonessential
        if entry.manifestation:
            row["manifestation"] = entry.manifestation
        codes = {name: item.display for name, item in resolved.items() if item.display}
        given = {name: item.given for name, item in resolved.items() if item.changed}
        see = linked.see
        if not codes and see is not None and see.kind == ROW and see.row is not None:
            target = cells[see.row]
            codes = {name: item.display for name, item in target.items() if item.display}
            if codes:
                row["inherited"] = True
                inherited += 1
        if codes:
            row["codes"] = codes
        if given:
            row["given"] = given
        reference_fields(row, "see", entry.see, see)
        reference_fields(row, "see_also", entry.see_also, linked.see_also)
        rows.append(row)
    references = reference_counts(links)
    references["see"]["inherited_codes"] = inherited
    counts = {
        "rows": len(rows),
        "rows_with_codes": sum(1 for entry in entries if entry.cells),
        "rows_with_nonessential_modifiers": sum(1 for entry in entries if entry.nonessential),
        "cells": sum(len(item) for item in cells),
        "fy2026_mapping": count_statuses([item for row in cells for item in row.values()]),
        **references,
    }
    return rows, counts
