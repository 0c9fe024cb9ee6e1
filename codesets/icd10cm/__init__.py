"""ICD-10-CM: the FY2026 Tabular List (``tabular``), Alphabetic Index and tables (``index``)."""
