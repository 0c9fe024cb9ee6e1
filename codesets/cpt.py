"""CPT codes: a user's licensed CPT file, or the built-in non-licensed sample.

CPT descriptors are the AMA's copyright, so the product ships none: a site that holds a CPT
licence supplies its own file (``CAC_CPT_FILE``). The file format:

- UTF-8 CSV (a byte-order mark is allowed), comma-separated, RFC 4180 quoting;
- a required header line, exactly ``code,short_descriptor,long_descriptor``;
- one code a line: ``code`` is five characters, four digits then a digit or ``F``/``T``/``U``
  (``99213``, ``0001F``, ``0042T``, ``0001U``); ``short_descriptor`` is required;
  ``long_descriptor`` may be empty (the short one is then used); no code twice;
- the release year in the file name (``cpt-2026.csv``) or passed as ``year=``: the file then
  covers dates of service from January 1 to December 31 of that year.

A malformed file raises ``MalformedCodeSetFile`` naming every bad line (the first 20).

Without a file, ``load_cpt()`` returns the sample under ``codesets/data/cpt/sample/``: E/M office
visits and common procedure, radiology, laboratory and immunization codes with descriptions
written by us, every one flagged ``is_sample``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from importlib.abc import Traversable
from pathlib import Path

from codesets.datafiles import data_folder, read_manifest, read_verified
from codesets.errors import MalformedCodeSetFile
from codesets.model import Code, CodeSetRelease, System

HEADER = ("code", "short_descriptor", "long_descriptor")
SAMPLE_FILE = "cpt-sample.csv"
_CODE = re.compile(r"[0-9]{4}[0-9FTU]")
_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])")
_MAX_REPORTED = 20


@dataclass(frozen=True, slots=True)
class CptRelease:
    """One CPT release (licensed or sample) and its codes."""

    release: CodeSetRelease
    codes: list[Code]


def parse_cpt_csv(text: str, version: str, *, is_sample: bool) -> list[Code]:
    """The codes of a CPT CSV in the documented format; raises on any malformed line."""
    rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(rows, None)
    if header is None or tuple(name.strip().lower() for name in header) != HEADER:
        raise MalformedCodeSetFile(f"CPT file line 1: the header must be {','.join(HEADER)}")
    codes: list[Code] = []
    problems: list[str] = []
    seen: set[str] = set()
    for fields in rows:
        line = rows.line_num
        if not any(field.strip() for field in fields):
            continue
        problem = _problem(fields, seen)
        if problem:
            problems.append(f"line {line}: {problem}")
            continue
        code, short, long = (field.strip() for field in fields)
        seen.add(code)
        codes.append(
            Code(
                system=System.CPT,
                code=code,
                description=long or short,
                short_description=short,
                billable=True,
                version=version,
                is_sample=is_sample,
            )
        )
    if problems:
        shown = "; ".join(problems[:_MAX_REPORTED])
        more = (
            f" (and {len(problems) - _MAX_REPORTED} more)" if len(problems) > _MAX_REPORTED else ""
        )
        raise MalformedCodeSetFile(f"CPT file: {len(problems)} bad line(s): {shown}{more}")
    if not codes:
        raise MalformedCodeSetFile("CPT file: no codes after the header")
    return codes


def _problem(fields: list[str], seen: set[str]) -> str | None:
    if len(fields) != len(HEADER):
        return f"{len(fields)} fields, expected {len(HEADER)}"
    code, short, _ = (field.strip() for field in fields)
    if not _CODE.fullmatch(code):
        return f"{code[:12]!r} is not a CPT code (four digits, then a digit or F, T, U)"
    if code in seen:
        return f"{code} appears twice"
    if not short:
        return f"{code} has no short_descriptor"
    return None


def _year(path: Path, year: int | None) -> int:
    if year is not None:
        return year
    found = _YEAR.findall(path.stem)
    if len(found) != 1:
        raise MalformedCodeSetFile(
            f"CPT file {path.name}: put its year in the file name (cpt-2026.csv) or pass year="
        )
    return int(found[0])


def _read_user_file(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise MalformedCodeSetFile(f"CPT file {path} does not exist") from None
    except UnicodeDecodeError as error:
        raise MalformedCodeSetFile(f"CPT file {path.name}: not UTF-8 ({error})") from None


def load_cpt(
    path: Path | None = None, *, year: int | None = None, folder: Traversable | None = None
) -> CptRelease:
    """A licensed CPT CSV (``path``), or the built-in sample when ``path`` is ``None``."""
    if path is None:
        return _load_sample(folder or data_folder("cpt", "sample"))
    release_year = _year(path, year)
    version = str(release_year)
    release = CodeSetRelease(
        system=System.CPT,
        version=version,
        effective_from=date(release_year, 1, 1),
        effective_to=date(release_year, 12, 31),
        source=f"User-supplied CPT file {path.name}",
        license="AMA CPT licence held by the user",
    )
    return CptRelease(release, parse_cpt_csv(_read_user_file(path), version, is_sample=False))


def _load_sample(folder: Traversable) -> CptRelease:
    manifest = read_manifest(folder)
    text = read_verified(folder, SAMPLE_FILE, manifest).decode("utf-8")
    release = CodeSetRelease(
        system=System.CPT,
        version=manifest["version"],
        effective_from=date.fromisoformat(manifest["effective_from"]),
        effective_to=date.fromisoformat(manifest["effective_to"]),
        source=manifest["source"]["description"],
        license=manifest["license"],
        is_sample=True,
    )
    return CptRelease(release, parse_cpt_csv(text, release.version, is_sample=True))
