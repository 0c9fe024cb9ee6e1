"""The Table of Neoplasms (``icd-10-cm-neoplasm-2025.xml``) to JSONL rows.

Each row is a site under the table's main term ("Neoplasm, neoplastic"; its own row, with an
empty path, is the site-unspecified line) with up to six codes, one per behaviour column. The
table's dash ("-") means no code for that behaviour; a code ending in "-" needs more characters
(Official Guidelines Section I.C.2: the table is consulted by site, then the tabular completes
the code).
"""

from __future__ import annotations

from typing import Any

from codesets.convert.fy2026 import Tabular
from codesets.convert.tables import convert_table, read_table

SOURCE_NAME = "icd-10-cm-neoplasm-2025.xml"
OUTPUT_NAME = "neoplasm.jsonl.gz"
COLUMNS = (
    "malignant_primary",
    "malignant_secondary",
    "ca_in_situ",
    "benign",
    "uncertain_behavior",
    "unspecified_behavior",
)


def convert_neoplasms(data: bytes, tabular: Tabular) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The table's JSONL rows and manifest counts (with the XML's version)."""
    version, entries = read_table(data, SOURCE_NAME)
    rows, counts = convert_table(entries, COLUMNS, tabular, drop_root=True)
    return rows, {"source_version": version, "columns": list(COLUMNS), **counts}
