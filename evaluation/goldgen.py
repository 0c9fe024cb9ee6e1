"""Build a gold JSONL file from readable source notes, computing evidence offsets.

The source format (see ``tests/data/gold_synthetic_notes.txt``) keeps each note readable and
each code next to the quoted words that support it; this module finds those quotes in the note,
so offsets are never typed by hand, and checks every ICD-10-CM code against the FY2026 tabular
(``simple_icd_10_cm``): it must exist and be billable (a leaf, Section I.A.3 / I.B.1).

Run: ``python -m evaluation.goldgen SOURCE OUT`` (``--check`` compares instead of writing).
"""

from __future__ import annotations

import re
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import click

from evaluation.errors import GoldFormatError
from evaluation.gold import GoldChart, GoldCode, GoldSpan, dump_gold, parse_gold_lines

_CODE_LINE = re.compile(r"(?P<system>\S+) (?P<code>\S+)(?P<flags>(?: (?:principal|units=\d+))*)")
_QUOTE = re.compile(r'"(?P<quote>[^"]+)"(?:#(?P<nth>\d+))?')


@dataclass
class _Draft:
    id: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    text: list[str] = field(default_factory=list)
    codes: list[tuple[int, str]] = field(default_factory=list)


def _drafts(lines: list[str]) -> list[_Draft]:
    drafts: list[_Draft] = []
    part = "head"
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n")
        if line.startswith("### "):
            drafts.append(_Draft(id=line[4:].strip(), line=number))
            part = "head"
        elif not drafts or (part != "text" and (not line.strip() or line.startswith("#"))):
            continue
        elif part == "head" and line == "text:":
            part = "text"
        elif part == "head":
            name, _, value = line.partition(":")
            drafts[-1].fields[name.strip()] = value.strip()
        elif part == "text" and line == "codes:":
            part = "codes"
        elif part == "text":
            drafts[-1].text.append(line)
        else:
            drafts[-1].codes.append((number, line))
    return drafts


def _find(text: str, quote: str, nth: int) -> int:
    start = -1
    for _ in range(nth):
        start = text.find(quote, start + 1)
        if start < 0:
            return -1
    return start


def _code(text: str, number: int, line: str, problems: list[str]) -> GoldCode | None:
    head, _, quotes = line.partition(' "')
    match = _CODE_LINE.fullmatch(head.strip())
    if match is None:
        problems.append(f"line {number}: cannot read code line {line!r}")
        return None
    spans = []
    for found in _QUOTE.finditer('"' + quotes if quotes else ""):
        quote, nth = found["quote"], int(found["nth"] or 1)
        start = _find(text, quote, nth)
        if start < 0:
            problems.append(f"line {number}: quote {quote!r} (occurrence {nth}) is not in the note")
            continue
        spans.append(GoldSpan(start=start, end=start + len(quote)))
    flags = match["flags"].split()
    units = next((int(flag[6:]) for flag in flags if flag.startswith("units=")), None)
    return GoldCode(
        system=match["system"],
        code=match["code"],
        principal="principal" in flags,
        units=units,
        evidence=spans,
    )


def _check_icd10cm(charts: list[GoldChart], problems: list[str]) -> None:
    with warnings.catch_warnings():
        # the package reads its data with importlib.resources' deprecated legacy API
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as cm  # a build-time check; importing takes seconds

    for chart in charts:
        for code in chart.codes:
            if code.system != "ICD-10-CM":
                continue
            bare = code.code.replace(".", "")
            if not cm.is_valid_item(bare):
                problems.append(f"{chart.id}: {code.code} is not an ICD-10-CM FY2026 code")
            elif not cm.is_leaf(bare):
                problems.append(f"{chart.id}: {code.code} is not billable (it has subcodes)")


def build_charts(source: Path) -> list[GoldChart]:
    """The charts of a source-notes file; raises ``GoldFormatError`` listing every problem."""
    problems: list[str] = []
    charts: list[GoldChart] = []
    for draft in _drafts(source.read_text(encoding="utf-8").splitlines()):
        text = "\n".join(draft.text).strip("\n")
        codes = [c for n, line in draft.codes if (c := _code(text, n, line, problems)) is not None]
        if not codes:
            problems.append(f"line {draft.line}: chart {draft.id} has no codes")
        for code in codes:
            if not code.evidence:
                problems.append(f"line {draft.line}: {draft.id} {code.code} has no evidence quote")
        charts.append(
            GoldChart.model_validate(
                {
                    "id": draft.id,
                    "text": text,
                    "setting": draft.fields.get("setting"),
                    "date_of_service": draft.fields.get("date"),
                    "comment": draft.fields.get("comment"),
                    "codes": codes,
                }
            )
        )
    # The same validation a gold file gets when it is loaded (code shapes, duplicates, ids).
    try:
        charts = parse_gold_lines(dump_gold(charts).splitlines(), source=str(source))
    except GoldFormatError as error:
        problems.extend(error.problems)
    _check_icd10cm(charts, problems)
    if problems:
        raise GoldFormatError(str(source), problems)
    return charts


@click.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Fail if OUT differs from what SOURCE builds.")
def main(source: Path, out: Path, check: bool) -> None:
    """Build the gold JSONL OUT from the readable notes in SOURCE."""
    content = dump_gold(build_charts(source))
    if check:
        if not out.exists() or out.read_text(encoding="utf-8") != content:
            click.echo(f"{out} is out of date; rebuild it from {source}", err=True)
            sys.exit(1)
        click.echo(f"{out} is up to date")
        return
    out.write_text(content, encoding="utf-8")
    click.echo(f"wrote {content.count(chr(10))} charts to {out}")


if __name__ == "__main__":
    main()
