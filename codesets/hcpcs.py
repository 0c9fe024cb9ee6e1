"""HCPCS Level II codes and modifiers: the shipped CY2020 release, or a later CMS file.

``load_hcpcs()`` reads the converted CY2020 data under ``codesets/data/hcpcs/2020/`` (checked
against its manifest). ``load_hcpcs(path)`` parses a CMS alpha-numeric file of the same fixed-width
layout (``codesets.convert.hcpcs_file``) directly, so a site can load a newer annual release
(``CAC_HCPCS_FILE``) without a code change; its year comes from the file name or its dates.

A release covers the calendar year. A code whose termination date falls before that year is kept,
so a lookup explains it, but it is not billable (``extra`` holds ``terminated``); so is a
modifier, which is never reported on its own. Each code's ``extra`` names its ``kind``
(procedure or modifier) and CMS's action code and dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib.abc import Traversable
from pathlib import Path

from codesets.convert.hcpcs_file import (
    MODIFIER,
    HcpcsRecord,
    decode,
    detect_year,
    parse_hcpcs,
    record_from_row,
)
from codesets.datafiles import data_folder, read_jsonl, read_manifest
from codesets.errors import MalformedCodeSetFile
from codesets.model import Code, CodeSetRelease, System

SHIPPED_VERSION = "2020"
DATA_FILE = "hcpcs.jsonl.gz"
SOURCE = "CMS HCPCS Level II alpha-numeric file"
LICENSE = "CMS public file"


@dataclass(frozen=True, slots=True)
class HcpcsRelease:
    """One HCPCS Level II release: its dates, its codes and, apart, its modifiers."""

    release: CodeSetRelease
    codes: list[Code]
    modifiers: list[Code]


def _code(record: HcpcsRecord, release: CodeSetRelease) -> Code:
    retired = record.terminated is not None and record.terminated < release.effective_from
    extra = [("kind", record.kind)]
    for key, day in (
        ("added", record.added),
        ("action_effective", record.action_effective),
        ("terminated", record.terminated),
    ):
        if day is not None:
            extra.append((key, day.isoformat()))
    if record.action_code:
        extra.append(("action_code", record.action_code))
    if record.betos:
        extra.append(("betos", record.betos))
    return Code(
        system=System.HCPCS,
        code=record.code,
        description=record.long_description or record.short_description,
        billable=record.kind != MODIFIER and not retired,
        version=release.version,
        short_description=record.short_description or None,
        extra=tuple(extra),
    )


def build_release(records: list[HcpcsRecord], release: CodeSetRelease) -> HcpcsRelease:
    """The release with its records split into codes and modifiers (file order kept)."""
    codes = [_code(record, release) for record in records if record.kind != MODIFIER]
    modifiers = [_code(record, release) for record in records if record.kind == MODIFIER]
    return HcpcsRelease(release, codes, modifiers)


def _calendar_release(year: int, source: str) -> CodeSetRelease:
    return CodeSetRelease(
        system=System.HCPCS,
        version=str(year),
        effective_from=date(year, 1, 1),
        effective_to=date(year, 12, 31),
        source=source,
        license=LICENSE,
    )


def load_hcpcs(path: Path | None = None, *, folder: Traversable | None = None) -> HcpcsRelease:
    """The shipped CY2020 release (``path`` ``None``) or the CMS file at ``path``."""
    if path is None:
        return _load_shipped(folder or data_folder("hcpcs", SHIPPED_VERSION))
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise MalformedCodeSetFile(f"HCPCS file {path} does not exist") from None
    records = parse_hcpcs(decode(data))
    year = detect_year(path.name, records)
    return build_release(records, _calendar_release(year, f"{SOURCE} CY{year} ({path.name})"))


def _load_shipped(folder: Traversable) -> HcpcsRelease:
    manifest = read_manifest(folder)
    rows = read_jsonl(folder, DATA_FILE, manifest)
    release = CodeSetRelease(
        system=System.HCPCS,
        version=manifest["version"],
        effective_from=date.fromisoformat(manifest["effective_from"]),
        effective_to=date.fromisoformat(manifest["effective_to"]),
        source=manifest["source"]["description"],
        license=manifest["license"],
    )
    return build_release([record_from_row(row) for row in rows], release)
