"""``convert``: regenerate every converted code-set file and manifest from the source folder.

``cac codesets convert --source DIR`` reads ``icd10cm/`` (the Alphabetic Index CSV
and the neoplasm, drug and external cause XML) and ``hcpcs/`` (the CMS ``HCPC<year>_ANWEB``
file), checks ICD-10-CM codes against the FY2026 tabular, and writes the JSONL files and
manifests under ``codesets/data`` (or ``--out``). The output is byte-identical on a rerun.
It also writes the manifest of the authored CPT sample (``cpt/sample``), copying the sample
when ``--out`` is another folder.
"""

from __future__ import annotations

import re
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Any

import click

from codesets.convert import alphabetic_index, drug_table, external_cause, neoplasm_table
from codesets.convert.fy2026 import Tabular, package_tabular
from codesets.convert.hcpcs_file import decode, detect_year, parse_hcpcs, record_row
from codesets.convert.manifest import sha256_file, source_entry, write_jsonl, write_manifest
from codesets.cpt import SAMPLE_FILE, parse_cpt_csv
from codesets.errors import MalformedCodeSetFile

PACKAGE_DATA = Path(__file__).resolve().parent.parent / "data"
INDEX_CSV = "ICD10CM_2025_Index.csv"
_HCPCS_NAME = re.compile(r"^HCPC(\d{4})_ANWEB.*\.txt$", re.IGNORECASE)
INDEX_POLICY = (
    "Codes are checked against the FY2026 tabular: 'kept' = billable, or given with a dash and "
    "still a category ('kept_incomplete'); 'mapped' = no longer billable with exactly one "
    "billable code below it (that code); 'category' = no longer billable with several codes "
    "below it (kept as the category, marked incomplete with '-'; no default to an unspecified "
    "child); 'dropped' = not in FY2026. A 'see' row without a code inherits its target's code."
)


def convert_icd10cm(source: Path, out: Path, tabular: Tabular) -> dict[str, Any]:
    """Convert the index and tables in ``source`` into ``out``; returns the manifest."""
    folder = out / "icd10cm-index" / "2025"
    sources = [source / INDEX_CSV, source / neoplasm_table.SOURCE_NAME]
    sources.append(source / drug_table.SOURCE_NAME)
    files: dict[str, Any] = {}
    counts: dict[str, Any] = {}
    text = _read(sources[0]).decode("utf-8-sig")
    rows, counts["index"] = alphabetic_index.convert_index(text, tabular)
    files.update([write_jsonl(folder, "index.jsonl.gz", rows)])
    rows, counts["neoplasm"] = neoplasm_table.convert_neoplasms(_read(sources[1]), tabular)
    files.update([write_jsonl(folder, neoplasm_table.OUTPUT_NAME, rows)])
    rows, counts["drug"] = drug_table.convert_drugs(_read(sources[2]), tabular)
    files.update([write_jsonl(folder, drug_table.OUTPUT_NAME, rows)])
    eindex = source / external_cause.SOURCE_NAME
    if eindex.is_file():
        sources.append(eindex)
        rows, counts["eindex"] = external_cause.convert_external_causes(
            eindex.read_bytes(), tabular
        )
        files.update([write_jsonl(folder, external_cause.OUTPUT_NAME, rows)])
    manifest = {
        "system": "ICD-10-CM",
        "content": "Alphabetic Index, Table of Neoplasms, Table of Drugs and Chemicals, "
        "External Cause of Injuries Index",
        "version": "2025",
        "source": {
            "publisher": "CDC/NCHS",
            "release": "FY2025 April update",
            "files": [source_entry(path) for path in sources],
        },
        "license": "US government work, public domain",
        "mapped_against": tabular.label,
        "mapping_policy": INDEX_POLICY,
        "files": files,
        "counts": counts,
    }
    write_manifest(folder, manifest)
    return manifest


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise MalformedCodeSetFile(f"source file {path} is missing")
    return path.read_bytes()


def find_hcpcs_file(folder: Path) -> Path:
    """The newest ``HCPC<year>_ANWEB*.txt`` file in ``folder``."""
    found = sorted(
        (int(match.group(1)), path.name, path)
        for path in folder.glob("*.txt")
        if (match := _HCPCS_NAME.match(path.name))
    )
    if not found:
        raise MalformedCodeSetFile(f"no HCPC<year>_ANWEB*.txt file in {folder}")
    return found[-1][2]


def convert_hcpcs(path: Path, out: Path) -> dict[str, Any]:
    """Convert one CMS HCPCS file into ``out/hcpcs/<year>/``; returns the manifest."""
    records = parse_hcpcs(decode(path.read_bytes()))
    year = detect_year(path.name, records)
    folder = out / "hcpcs" / str(year)
    files = dict([write_jsonl(folder, "hcpcs.jsonl.gz", [record_row(r) for r in records])])
    first_day = date(year, 1, 1)
    kinds = {"procedure": "codes", "modifier": "modifiers"}
    counts: dict[str, int] = {}
    for record in records:
        label = kinds[record.kind]
        counts[label] = counts.get(label, 0) + 1
        if record.terminated is not None and record.terminated < first_day:
            counts[f"{label}_terminated"] = counts.get(f"{label}_terminated", 0) + 1
    manifest = {
        "system": "HCPCS",
        "version": str(year),
        "effective_from": first_day.isoformat(),
        "effective_to": date(year, 12, 31).isoformat(),
        "source": {
            "publisher": "CMS",
            "release": f"CY{year}",
            "description": f"CMS HCPCS Level II alpha-numeric file CY{year} ({path.name})",
            "files": [source_entry(path)],
        },
        "license": "CMS public file",
        "terminated_codes": "kept but not billable: terminated before the release year starts",
        "files": files,
        "counts": counts,
    }
    write_manifest(folder, manifest)
    return manifest


def write_cpt_sample_manifest(out: Path) -> dict[str, Any]:
    """Write the manifest of the authored CPT sample (copied into ``out`` when elsewhere)."""
    folder = out / "cpt" / "sample"
    source = PACKAGE_DATA / "cpt" / "sample" / SAMPLE_FILE
    target = folder / SAMPLE_FILE
    if source.resolve() != target.resolve():
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    codes = parse_cpt_csv(target.read_text(encoding="utf-8"), "sample-2026", is_sample=True)
    manifest = {
        "system": "CPT",
        "version": "sample-2026",
        "effective_from": "2026-01-01",
        "effective_to": "2026-12-31",
        "is_sample": True,
        "source": {
            "publisher": "this project (not the AMA)",
            "release": "sample-2026",
            "description": "Non-licensed sample: CPT codes with descriptions written by this "
            "project (no AMA descriptor text); supply a licensed CPT file for real use",
        },
        "license": "Sample descriptions (c) this project; CPT is a registered trademark of the "
        "American Medical Association; this sample is not a CPT licence",
        "files": {
            SAMPLE_FILE: {
                "sha256": sha256_file(target),
                "bytes": target.stat().st_size,
                "rows": len(codes),
            }
        },
        "counts": {"codes": len(codes)},
    }
    write_manifest(folder, manifest)
    return manifest


@click.command("convert")
@click.option(
    "--source",
    "source",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder with the icd10cm/ and hcpcs/ source files.",
)
@click.option(
    "--out",
    "out",
    default=PACKAGE_DATA,
    show_default="codesets/data",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the converted files and manifests.",
)
def convert(source: Path, out: Path) -> None:
    """Regenerate the converted code-set files and manifests (deterministic)."""
    started = time.perf_counter()
    manifests = convert_all(source, out, package_tabular())
    for manifest in manifests:
        for name, entry in sorted(manifest["files"].items()):
            click.echo(
                f"{manifest['system']:9} {name:22} {entry['rows']:>7} rows {entry['bytes']:>9} B"
            )
    mapping = manifests[0]["counts"]["index"]["fy2026_mapping"]
    click.echo(f"index FY2026 mapping: {mapping}")
    click.echo(f"done in {time.perf_counter() - started:.1f} s -> {out}")


def convert_all(source: Path, out: Path, tabular: Tabular) -> list[dict[str, Any]]:
    """Convert everything under ``source`` into ``out``: ICD-10-CM, HCPCS, the CPT sample."""
    return [
        convert_icd10cm(source / "icd10cm", out, tabular),
        convert_hcpcs(find_hcpcs_file(source / "hcpcs"), out),
        write_cpt_sample_manifest(out),
    ]
