"""CodiEsp (CLEF eHealth 2020) as gold charts: English texts with their D and P codes.

A split directory holds ``text_files_en/<doc_id>.txt`` and ``{split}D.tsv`` / ``{split}P.tsv``
(``doc_id<TAB>code``, lower case, dotted). D codes are ICD-10-CM (Spanish edition: some do not
exist in the US release, which callers count with ``codes_by_status``); P codes are ICD-10-PCS.
A code listed twice for a document (one line per mention) is kept once, as the official
evaluation does. Case reports carry no encounter setting; callers choose one.
"""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from codesets.errors import CACError
from evaluation.codes import ICD10PCS, canonical_code
from evaluation.errors import DatasetError
from evaluation.gold import GoldChart, GoldCode, Setting

ICD10CM = "ICD-10-CM"


def _codes(path: Path, system: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if not row:
                continue
            if len(row) < 2:
                raise DatasetError(f"{path}:{number}: expected 'doc_id<TAB>code'")
            try:
                code = canonical_code(system, row[1])
            except CACError as error:
                raise DatasetError(f"{path}:{number}: {error.message}") from error
            if code not in found[row[0]]:
                found[row[0]].append(code)
    return found


def load_codiesp(
    directory: Path,
    split: str,
    *,
    include_procedures: bool,
    setting: Setting | None = None,
) -> list[GoldChart]:
    """The split's documents as gold charts, in document-id order."""
    texts = directory / "text_files_en"
    diagnoses = directory / f"{split}D.tsv"
    if not texts.is_dir() or not diagnoses.is_file():
        raise DatasetError(
            f"{directory} is not a CodiEsp split directory: it needs text_files_en/ and "
            f"{split}D.tsv"
        )
    d_codes = _codes(diagnoses, ICD10CM)
    procedures = directory / f"{split}P.tsv"
    p_codes = _codes(procedures, ICD10PCS) if include_procedures and procedures.is_file() else {}
    charts = []
    for path in sorted(texts.glob("*.txt")):
        doc_id = path.stem
        codes = [GoldCode(system=ICD10CM, code=c) for c in d_codes.get(doc_id, [])]
        codes += [GoldCode(system=ICD10PCS, code=c) for c in p_codes.get(doc_id, [])]
        text = path.read_text(encoding="utf-8")
        charts.append(GoldChart(id=doc_id, text=text, setting=setting, codes=codes))
    missing = sorted(set(d_codes) - {chart.id for chart in charts})
    if missing:
        raise DatasetError(f"{len(missing)} coded documents have no text, e.g. {missing[0]}")
    return charts


def split_digest(directory: Path, split: str) -> str:
    """A sha256 over the split's D file and every English text (names and bytes), in order."""
    digest = hashlib.sha256()
    for path in [directory / f"{split}D.tsv", *sorted((directory / "text_files_en").glob("*.txt"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def procedure_count(directory: Path, split: str) -> int:
    """The number of distinct (document, code) procedure pairs in the split."""
    path = directory / f"{split}P.tsv"
    return sum(len(v) for v in _codes(path, ICD10PCS).values()) if path.is_file() else 0


def codes_by_status(
    charts: Iterable[GoldChart], system: str, status: Callable[[str], str]
) -> dict[str, dict[str, int]]:
    """Gold codes of ``system`` grouped by ``status`` (e.g. unknown, not billable) with counts.

    ``status`` names what the loaded code set says of a code; codes it calls ``billable`` are
    left out, so the result lists only the gold codes a coder could never match exactly.
    """
    grouped: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for chart in charts:
        for code in chart.codes:
            if code.system == system and (found := status(code.code)) != "billable":
                grouped[found][code.code] += 1
    return {
        name: dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        for name, counts in sorted(grouped.items())
    }
