"""The CMS HCPCS Level II alpha-numeric file (``HCPC<year>_ANWEB*.txt``), fixed width.

Record layout (CMS record layout of the ANWEB file, 320 characters a record; positions 1-based):

====  =========  ====================================================================
1-5   HCPC       the code; a modifier holds its two characters in positions 4-5
6-10  SEQNUM     00100 for a code's first line, 00200, 00300, ... for continuations
11    RECID      3 = procedure (first line), 4 = its continuation; 7 = modifier, 8 = its
                 continuation (continuations carry only more long description)
12-91 LONG       long description (80 characters a line, continued on 4/8 lines)
92-119 SHORT     short description (28)
230   COV        Medicare coverage code
257-259 BETOS    Berenson-Eggers type of service
269-276 ADD_DT   date the code was added (YYYYMMDD)
277-284 ACT_EFF  effective date of the action below
285-292 TERM_DT  termination date: the last day the code may be reported
293   ACTION     A added, C changed, D discontinued, N no change, P payment, S ...
====  =========  ====================================================================

Lines before the first record (CMS's disclaimer) are skipped. The same parser reads the shipped
CY2020 file at conversion and a user's later release at run time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from codesets.errors import MalformedCodeSetFile

PROCEDURE = "procedure"
MODIFIER = "modifier"
_KINDS = {"3": PROCEDURE, "4": PROCEDURE, "7": MODIFIER, "8": MODIFIER}
_FIRST = {"3", "7"}
_RECORD = re.compile(r"^(?:[A-V][0-9]{4}|   [0-9A-Z]{2})[0-9]{5}[3478]")
_YEAR_IN_NAME = re.compile(r"HCPC(?:S)?[_-]?((?:19|20)[0-9]{2})", re.IGNORECASE)
_FIRST_LINE_LENGTH = 293


@dataclass(frozen=True, slots=True)
class HcpcsRecord:
    """One HCPCS Level II code or modifier with its descriptions and dates."""

    code: str
    kind: str
    long_description: str
    short_description: str
    added: date | None
    action_effective: date | None
    terminated: date | None
    action_code: str
    coverage: str
    betos: str


def _date(text: str, line: int, label: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise MalformedCodeSetFile(f"HCPCS file line {line}: bad {label} {text!r}") from None


def _first(text: str, line: int) -> tuple[HcpcsRecord, list[str]]:
    """The record a first line starts (long description still partial) and its long parts."""
    if len(text) < _FIRST_LINE_LENGTH:
        raise MalformedCodeSetFile(
            f"HCPCS file line {line}: a first record line needs {_FIRST_LINE_LENGTH} characters, "
            f"found {len(text)}"
        )
    record = HcpcsRecord(
        code=text[0:5].strip(),
        kind=_KINDS[text[10]],
        long_description="",
        short_description=" ".join(text[91:119].split()),
        added=_date(text[268:276], line, "add date"),
        action_effective=_date(text[276:284], line, "action effective date"),
        terminated=_date(text[284:292], line, "termination date"),
        action_code=text[292].strip(),
        coverage=text[229].strip(),
        betos=text[256:259].strip(),
    )
    return record, [text[11:91]]


def _finish(record: HcpcsRecord, parts: list[str]) -> HcpcsRecord:
    # CMS wraps long descriptions at word boundaries, so the lines join with one space.
    return replace(record, long_description=" ".join(" ".join(parts).split()))


def parse_hcpcs(text: str) -> list[HcpcsRecord]:
    """Every code and modifier, in file order; ``MalformedCodeSetFile`` names a bad line."""
    records: list[HcpcsRecord] = []
    current: tuple[HcpcsRecord, list[str]] | None = None
    seen: set[str] = set()
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        if not _RECORD.match(raw):
            if current is None:
                continue  # the disclaimer before the first record
            raise MalformedCodeSetFile(f"HCPCS file line {line}: not a HCPCS record")
        code, kind = raw[0:5].strip(), raw[10]
        if kind in _FIRST:
            if current is not None:
                records.append(_finish(*current))
            if code in seen:
                raise MalformedCodeSetFile(f"HCPCS file line {line}: {code} appears twice")
            seen.add(code)
            current = _first(raw, line)
        elif current is None or current[0].code != code or current[0].kind != _KINDS[kind]:
            raise MalformedCodeSetFile(
                f"HCPCS file line {line}: continuation of {code} does not follow its first line"
            )
        else:
            current[1].append(raw[11:91])
    if current is not None:
        records.append(_finish(*current))
    if not records:
        raise MalformedCodeSetFile("HCPCS file: no HCPCS records found")
    return records


def detect_year(name: str, records: list[HcpcsRecord]) -> int:
    """The calendar year of the release: from the file name ("HCPC2020_..."), else the content.

    Without a year in the name, the latest add or action-effective date is taken: CMS dates every
    annual change January 1 of the release year.
    """
    found = _YEAR_IN_NAME.search(name)
    if found:
        return int(found.group(1))
    days = [day for record in records for day in (record.added, record.action_effective) if day]
    if not days:
        raise MalformedCodeSetFile(f"HCPCS file {name}: no year in its name or its dates")
    return max(days).year


def record_row(record: HcpcsRecord) -> dict[str, str]:
    """``record`` as a JSONL row (dates ISO, empty fields left out)."""
    row = {
        "code": record.code,
        "kind": record.kind,
        "long": record.long_description,
        "short": record.short_description,
        "added": record.added.isoformat() if record.added else "",
        "action_effective": record.action_effective.isoformat() if record.action_effective else "",
        "terminated": record.terminated.isoformat() if record.terminated else "",
        "action": record.action_code,
        "coverage": record.coverage,
        "betos": record.betos,
    }
    return {key: value for key, value in row.items() if value}


def _day(row: dict[str, str], key: str) -> date | None:
    value = row.get(key)
    return date.fromisoformat(value) if value else None


def record_from_row(row: dict[str, str]) -> HcpcsRecord:
    """The record a ``record_row`` row holds."""
    return HcpcsRecord(
        code=row["code"],
        kind=row["kind"],
        long_description=row["long"],
        short_description=row.get("short", ""),
        added=_day(row, "added"),
        action_effective=_day(row, "action_effective"),
        terminated=_day(row, "terminated"),
        action_code=row.get("action", ""),
        coverage=row.get("coverage", ""),
        betos=row.get("betos", ""),
    )


def decode(data: bytes) -> str:
    """The file's text: CMS files are Windows-1252 (a curly apostrophe in the disclaimer)."""
    return data.decode("cp1252", errors="replace")
