"""The External Cause of Injuries Index (``icd-10-cm-eindex-2025.xml``) to JSONL rows.

Each row is an index path with at most one code (from the XML's ``code``, ``subcat`` or
``seecat``), checked against FY2026 like the Alphabetic Index. External cause codes are
secondary codes that describe how an injury happened (Official Guidelines Section I.C.20).
"""

from __future__ import annotations

from typing import Any

from codesets.convert.fy2026 import Tabular, count_statuses
from codesets.convert.tables import link, read_table, reference_counts, reference_fields

SOURCE_NAME = "icd-10-cm-eindex-2025.xml"
OUTPUT_NAME = "eindex.jsonl.gz"


def convert_external_causes(
    data: bytes, tabular: Tabular
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The index's JSONL rows and manifest counts (with the XML's version)."""
    version, entries = read_table(data, SOURCE_NAME)
    links = link(entries)
    resolved = [tabular.resolve(entry.code) if entry.code else None for entry in entries]
    rows: list[dict[str, Any]] = []
    for position, (entry, linked, item) in enumerate(zip(entries, links, resolved, strict=True)):
        row: dict[str, Any] = {"id": position + 1, "path": list(entry.path)}
        if entry.nonessential:
            row["nonessential"] = entry.nonessential
        if item is not None:
            row["status"] = item.status
            if item.display:
                row["code"] = item.display
            if item.changed:
                row["given"] = item.given
        reference_fields(row, "see", entry.see, linked.see)
        reference_fields(row, "see_also", entry.see_also, linked.see_also)
        rows.append(row)
    counts = {
        "source_version": version,
        "rows": len(rows),
        "rows_with_code": sum(1 for item in resolved if item is not None),
        "rows_with_nonessential_modifiers": sum(1 for entry in entries if entry.nonessential),
        "fy2026_mapping": count_statuses([item for item in resolved if item is not None]),
        **reference_counts(links),
    }
    return rows, counts
