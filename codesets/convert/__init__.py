"""Converters from the public code-set source files to the versioned data under ``codesets/data``.

They run offline, once per new source release (``cac codesets convert --source DIR``), never at
run time: the product reads only the converted files, each checked against its manifest.

- ``alphabetic_index``: the ICD-10-CM Alphabetic Index (CSV flattening), paths and "see" links.
- ``tables``: the shared reader of CDC's table/index XML (neoplasms, drugs, external causes).
- ``neoplasm_table``, ``drug_table``, ``external_cause``: the three XML files.
- ``fy2026``: the check of every index code against the FY2026 tabular.
- ``hcpcs_file``: the CMS HCPCS Level II fixed-width file (also read directly at run time for a
  user-supplied later release).
- ``manifest``: deterministic JSONL/gzip writing, checksums and ``manifest.json``.
- ``cli``: the ``convert`` command.
"""

CONVERTER_VERSION = "1.0.0"
