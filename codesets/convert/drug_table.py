"""The Table of Drugs and Chemicals (``icd-10-cm-drug-2025.xml``) to JSONL rows.

Each row is a substance path with up to six codes: poisoning accidental, intentional self-harm,
assault, undetermined, adverse effect and underdosing. The table gives six-character codes
("T39.1X1") whose 7th character (encounter: A, D, S) the coder adds, so FY2026 classes them as
categories and the rows show them incomplete ("T39.1X1-"), as Official Guidelines Section
I.C.19.e.5 (poisoning, adverse effect, underdosing) and I.A.5 (7th characters) require.
"""

from __future__ import annotations

from typing import Any

from codesets.convert.fy2026 import Tabular
from codesets.convert.tables import convert_table, read_table

SOURCE_NAME = "icd-10-cm-drug-2025.xml"
OUTPUT_NAME = "drug.jsonl.gz"
COLUMNS = (
    "poisoning_accidental",
    "poisoning_intentional",
    "poisoning_assault",
    "poisoning_undetermined",
    "adverse_effect",
    "underdosing",
)


def convert_drugs(data: bytes, tabular: Tabular) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The table's JSONL rows and manifest counts (with the XML's version)."""
    version, entries = read_table(data, SOURCE_NAME)
    rows, counts = convert_table(entries, COLUMNS, tabular, drop_root=False)
    return rows, {"source_version": version, "columns": list(COLUMNS), **counts}
