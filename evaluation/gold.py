"""Gold-coded charts: the JSONL format, its validator and its loader.

One chart a line::

    {"id": "syn-001", "text": "...", "setting": "outpatient", "date_of_service": "2026-01-14",
     "codes": [{"system": "ICD-10-CM", "code": "E11.40", "principal": true,
                "evidence": [{"start": 120, "end": 168}]}]}

``text`` may be replaced by ``text_path`` (a UTF-8 file, relative to the gold file). Codes are
stored in canonical form; a chart may not list the same code twice. Every problem is reported
with its line number, all at once, so a malformed file is fixed in one pass.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from codesets.errors import CACError
from evaluation.codes import SYSTEMS, CodeKey, canonical_code
from evaluation.errors import GoldFormatError

Setting = Literal["outpatient", "inpatient"]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GoldSpan(_Strict):
    """Character offsets of the words that support a gold code (``text[start:end]``)."""

    start: int = Field(ge=0)
    end: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> GoldSpan:
        if self.end <= self.start:
            raise ValueError(f"span end {self.end} is not after its start {self.start}")
        return self


class GoldCode(_Strict):
    """One code a professional coder assigned to the chart."""

    system: str
    code: str
    principal: bool = False
    units: int | None = Field(default=None, ge=1)
    evidence: list[GoldSpan] = Field(default_factory=list)

    @property
    def key(self) -> CodeKey:
        """The (system, canonical code) pair the metrics compare."""
        return self.system, self.code


class GoldChart(_Strict):
    """One chart: its text, its encounter setting and date, and its gold codes."""

    id: str = Field(min_length=1)
    text: str | None = None
    text_path: str | None = None
    setting: Setting | None = None
    date_of_service: date | None = None
    comment: str | None = None
    codes: list[GoldCode]

    def keys(self, system: str | None = None) -> set[CodeKey]:
        """The chart's gold (system, code) pairs, optionally of one system."""
        return {c.key for c in self.codes if system is None or c.system == system}


def _check_codes(chart: GoldChart) -> tuple[GoldChart, list[str]]:
    problems: list[str] = []
    seen: set[CodeKey] = set()
    fixed: list[GoldCode] = []
    for index, code in enumerate(chart.codes):
        where = f"codes[{index}]"
        if code.system not in SYSTEMS:
            problems.append(
                f"{where}: unknown system {code.system!r} (one of {', '.join(SYSTEMS)})"
            )
            continue
        try:
            canonical = canonical_code(code.system, code.code)
        except CACError as error:
            problems.append(f"{where}: {error.message}")
            continue
        if (code.system, canonical) in seen:
            problems.append(f"{where}: {code.system} {canonical} is listed twice")
        seen.add((code.system, canonical))
        if chart.text is not None:
            for span_index, span in enumerate(code.evidence):
                if span.end > len(chart.text):
                    problems.append(
                        f"{where}.evidence[{span_index}]: end {span.end} is past the end of "
                        f"the text ({len(chart.text)} characters)"
                    )
        fixed.append(code.model_copy(update={"code": canonical}))
    principals = sum(code.principal for code in chart.codes)
    if principals > 1:
        problems.append(f"{principals} codes are marked principal; at most one may be")
    return chart.model_copy(update={"codes": fixed}), problems


def _resolve_text(chart: GoldChart, base: Path | None) -> tuple[GoldChart, list[str]]:
    if (chart.text is None) == (chart.text_path is None):
        return chart, ["give exactly one of 'text' and 'text_path'"]
    if chart.text_path is None:
        return chart, []
    path = Path(chart.text_path)
    if not path.is_absolute() and base is not None:
        path = base / path
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return chart, [f"text_path {chart.text_path!r} cannot be read ({type(error).__name__})"]
    return chart.model_copy(update={"text": text}), []


def _pydantic_problems(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "chart"
        problems.append(f"{where}: {item['msg']}")
    return problems


def parse_gold_lines(
    lines: Iterable[str], *, source: str, base: Path | None = None
) -> list[GoldChart]:
    """Parse and validate gold JSONL lines; raises ``GoldFormatError`` listing every problem."""
    charts: list[GoldChart] = []
    problems: list[str] = []
    ids: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(f"line {number}: not valid JSON ({error.msg} at column {error.colno})")
            continue
        if not isinstance(raw, dict):
            problems.append(f"line {number}: a chart must be a JSON object")
            continue
        try:
            chart = GoldChart.model_validate(raw)
        except ValidationError as error:
            problems.extend(f"line {number}: {p}" for p in _pydantic_problems(error))
            continue
        chart, text_problems = _resolve_text(chart, base)
        chart, code_problems = _check_codes(chart)
        problems.extend(f"line {number}: {p}" for p in [*text_problems, *code_problems])
        if chart.id in ids:
            problems.append(f"line {number}: id {chart.id!r} already used on line {ids[chart.id]}")
        ids.setdefault(chart.id, number)
        charts.append(chart)
    if problems:
        raise GoldFormatError(source, problems)
    return charts


def load_gold(path: Path) -> list[GoldChart]:
    """Read and validate a gold JSONL file; ``text_path`` entries resolve next to it."""
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise GoldFormatError(str(path), [f"cannot be read ({type(error).__name__})"]) from error
    return parse_gold_lines(content.splitlines(), source=str(path), base=path.parent)


def dump_gold(charts: Iterable[GoldChart]) -> str:
    """The JSONL text of ``charts`` (unset optional fields left out, one chart a line)."""
    return "".join(
        json.dumps(chart.model_dump(mode="json", exclude_none=True), ensure_ascii=False) + "\n"
        for chart in charts
    )


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file's bytes, recorded in every metrics file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
