"""The ICD-10-CM Alphabetic Index, from CDC's FY2025 flattening, to path-keyed JSONL rows.

The source (``ICD10CM_2025_Index.csv``: ``RowID, Letter, Level, Term, See, SeeAlso,
NonEssModif, Code``) lists terms in index order with their depth (0 = main term). A row's full
path is the chain of the nearest shallower rows above it ("Diabetes" > "type 2" > "with
neuropathy"). Nonessential modifiers (the parenthesized words that do not change the code,
Official Guidelines Section I.A.11) are kept apart from the term's words.

A "see" row without a code follows its target (and the target's own "see", a few hops at most):
it inherits the target's code, and ``index_lookup`` continues into the target's subterms. Codes
are checked against FY2026 (``codesets.convert.fy2026``).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

from codesets.convert.fy2026 import Resolved, Tabular, count_statuses
from codesets.convert.xrefs import CODE, KINDS, ROW, UNRESOLVED, PathIndex, Reference
from codesets.errors import MalformedCodeSetFile

COLUMNS = ("RowID", "Letter", "Level", "Term", "See", "SeeAlso", "NonEssModif", "Code")
_MAX_HOPS = 5


@dataclass(slots=True)
class _Entry:
    row_id: int
    level: int
    path: tuple[str, ...]
    nonessential: str
    see: str
    see_also: str
    given: str
    code: Resolved | None = None
    see_ref: Reference | None = None
    see_also_ref: Reference | None = None


def _clean(text: str) -> str:
    return " ".join(text.split())


def read_entries(text: str) -> list[_Entry]:
    """The CSV's rows with their full paths; raises ``MalformedCodeSetFile`` on a bad row."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(name.strip().lstrip("\ufeff") for name in header) != COLUMNS:
        raise MalformedCodeSetFile(f"index CSV: line 1 must be the header {','.join(COLUMNS)}")
    entries: list[_Entry] = []
    stack: list[str] = []
    for line, fields in enumerate(reader, start=2):
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(COLUMNS):
            raise MalformedCodeSetFile(f"index CSV line {line}: {len(fields)} fields, expected 8")
        row_id, _, level_text, term, see, see_also, nonessential, code = fields
        try:
            level = int(level_text)
        except ValueError:
            raise MalformedCodeSetFile(f"index CSV line {line}: level {level_text!r}") from None
        if level < 0 or level > len(stack):
            raise MalformedCodeSetFile(
                f"index CSV line {line}: level {level} under a level-{len(stack) - 1} term"
            )
        # Five rows hold only a nonessential modifier ("(somatoform)" under "persistent"): the
        # modifier, in its parentheses, is then the row's only words.
        words = _clean(term) or _clean(nonessential)
        if not words:
            raise MalformedCodeSetFile(f"index CSV line {line}: empty term")
        del stack[level:]
        stack.append(words)
        entries.append(
            _Entry(
                row_id=int(row_id),
                level=level,
                path=tuple(stack),
                nonessential=_clean(nonessential),
                see=_clean(see),
                see_also=_clean(see_also),
                given=code.strip().upper(),
            )
        )
    return entries


def _follow(entries: list[_Entry], start: Reference | None) -> _Entry | None:
    """The row a "see" chain ends on: the first one with a code, else the last row reached."""
    reference, seen, last = start, set[int](), None
    for _ in range(_MAX_HOPS):
        if reference is None or reference.kind != ROW or reference.row is None:
            break
        if reference.row in seen:
            break
        seen.add(reference.row)
        last = entries[reference.row]
        if last.code is not None and last.code.code is not None:
            return last
        reference = last.see_ref
    return last


def convert_index(text: str, tabular: Tabular) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The JSONL rows of the index and the counts for its manifest."""
    entries = read_entries(text)
    paths = PathIndex()
    for position, entry in enumerate(entries):
        paths.add(entry.path, position)
    for entry in entries:
        if entry.given:
            entry.code = tabular.resolve(entry.given)
        if entry.see:
            entry.see_ref = paths.resolve(entry.see)
            if entry.see_ref.kind == CODE and entry.see_ref.target and not entry.given:
                entry.code = tabular.resolve(entry.see_ref.target)
        if entry.see_also:
            entry.see_also_ref = paths.resolve(entry.see_also)
    see_counts: Counter[str] = Counter()
    rows: list[dict[str, Any]] = []
    for entry in entries:
        row: dict[str, Any] = {"id": entry.row_id, "path": list(entry.path)}
        if entry.nonessential:
            row["nonessential"] = entry.nonessential
        if entry.code is not None and entry.code.changed:
            row["given"] = entry.code.given
        if entry.code is not None:
            row["status"] = entry.code.status
            if entry.code.display is not None:
                row["code"] = entry.code.display
        if entry.see_ref is not None:
            row["see"] = entry.see
            row["see_kind"] = entry.see_ref.kind
            _reference_fields(row, "see", entry.see_ref, entries)
            see_counts[entry.see_ref.kind] += 1
            if entry.code is None and entry.see_ref.kind == ROW:
                target = _follow(entries, entry.see_ref)
                if target is not None and target.code is not None and target.code.display:
                    row["code"] = target.code.display
                    row["inherited"] = True
                    see_counts["inherited_code"] += 1
                else:
                    see_counts["subterms_only"] += 1
        if entry.see_also_ref is not None:
            row["see_also"] = entry.see_also
            row["see_also_kind"] = entry.see_also_ref.kind
            _reference_fields(row, "see_also", entry.see_also_ref, entries)
        rows.append(row)
    counts = _counts(entries, see_counts)
    return rows, counts


def _reference_fields(
    row: dict[str, Any], prefix: str, reference: Reference, entries: list[_Entry]
) -> None:
    if reference.kind == ROW and reference.row is not None:
        row[f"{prefix}_id"] = entries[reference.row].row_id
    elif reference.target is not None and reference.kind != UNRESOLVED:
        row[f"{prefix}_target"] = reference.target


def _counts(entries: list[_Entry], see_counts: Counter[str]) -> dict[str, Any]:
    resolved = [entry.code for entry in entries if entry.code is not None]
    see_total = sum(1 for entry in entries if entry.see_ref is not None)
    also = Counter(entry.see_also_ref.kind for entry in entries if entry.see_also_ref is not None)
    return {
        "rows": len(entries),
        "main_terms": sum(1 for entry in entries if entry.level == 0),
        # Codes the index states: a row's own, or a "see category X" reference.
        "rows_with_code": len(resolved),
        "rows_with_nonessential_modifiers": sum(1 for entry in entries if entry.nonessential),
        "fy2026_mapping": count_statuses(resolved),
        "see": {
            "rows": see_total,
            **{kind: see_counts.get(kind, 0) for kind in KINDS},
            "inherited_code": see_counts.get("inherited_code", 0),
            "subterms_only": see_counts.get("subterms_only", 0),
        },
        "see_also": {"rows": sum(also.values()), **{kind: also.get(kind, 0) for kind in KINDS}},
    }
