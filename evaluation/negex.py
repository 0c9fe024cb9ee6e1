"""Score the pipeline's assertions against the NegEx/ConText test kit (Chapman et al.).

The kit's TSV gives, per row, a condition and the sentence it sits in (upper-cased there), with
the physicians' negation status, temporality and experiencer. We locate the condition, ask the
pipeline for the assertion of exactly that span, and report negation and historical precision,
recall and F1, experiencer accuracy and confusion tables. ``negex FILE [--json]`` is the command.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from codesets.errors import CACError

if TYPE_CHECKING:
    from nlp.pipeline import ClinicalPipeline


class NegexFileError(CACError):
    """The NegEx kit file is missing or not in the kit's column layout."""


@dataclass(frozen=True, slots=True)
class KitRow:
    """One annotated condition: its sentence, where it is, and the gold labels."""

    line: str
    condition: str
    sentence: str
    start: int
    end: int
    negated: bool
    historical: bool
    other_experiencer: bool


def read_kit(path: Path) -> list[KitRow]:
    """The kit's rows with each condition located in its sentence (rows not found are skipped)."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as error:
        raise NegexFileError(f"cannot read the NegEx file {path.name}: {error.strerror}") from error
    rows: list[KitRow] = []
    with handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None or len(header) < 6:
            raise NegexFileError(f"{path.name} is not a NegEx kit file (six tab-separated columns)")
        for record in reader:
            if len(record) < 6 or not record[2].strip():
                continue
            line, condition, sentence, negation, temporality, experiencer = record[:6]
            where = locate(condition, sentence)
            if where is None:
                continue
            rows.append(
                KitRow(
                    line=line,
                    condition=condition.strip(),
                    sentence=sentence,
                    start=where[0],
                    end=where[1],
                    negated=negation.strip().lower() == "negated",
                    historical=temporality.strip().lower() == "historical",
                    other_experiencer=experiencer.strip().lower() != "patient",
                )
            )
    return rows


def locate(condition: str, sentence: str) -> tuple[int, int] | None:
    """Where the condition is in its sentence: the upper-cased occurrence when there is one."""
    parts = [re.escape(p) for p in condition.split()]
    if not parts:
        return None
    pattern = re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE)
    matches = list(pattern.finditer(sentence))
    if not matches:
        return None
    upper = [m for m in matches if _all_upper(m.group())]
    # a section header ("ALLERGIES:") is upper case too: prefer an occurrence that is not one
    for match in upper:
        if not sentence[match.end() :].lstrip(" ").startswith(":"):
            return match.span()
    return (upper or matches)[0].span()


def _all_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _prf(counts: Counter[str]) -> dict[str, float | int]:
    tp, fp, fn, tn = counts["tp"], counts["fp"], counts["fn"], counts["tn"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }


def _tally(counts: Counter[str], gold: bool, predicted: bool) -> None:
    counts[("t" if gold == predicted else "f") + ("p" if predicted else "n")] += 1


def score(
    rows: list[KitRow], pipeline: ClinicalPipeline | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Metrics over the kit rows, and the rows the pipeline got wrong."""
    if pipeline is None:
        from nlp.pipeline import ClinicalPipeline

        # assertions only: no terminology is needed, so none is loaded
        pipeline = ClinicalPipeline(terms=[], fuzzy=False)
    negation: Counter[str] = Counter()
    historical: Counter[str] = Counter()
    experiencer_right = 0
    errors: list[dict[str, Any]] = []
    for row in rows:
        (assertion,) = pipeline.assess(row.sentence, [(row.start, row.end)])
        _tally(negation, row.negated, assertion.negated)
        _tally(historical, row.historical, assertion.historical)
        experiencer_right += row.other_experiencer == assertion.family
        wrong = [
            name
            for name, gold, got in (
                ("negation", row.negated, assertion.negated),
                ("historical", row.historical, assertion.historical),
                ("experiencer", row.other_experiencer, assertion.family),
            )
            if gold != got
        ]
        if wrong:
            errors.append(
                {
                    "line": row.line,
                    "condition": row.condition,
                    "wrong": wrong,
                    "gold": {"negated": row.negated, "historical": row.historical},
                    "cues": [f"{c.category}:{c.text}" for c in assertion.cues],
                    "sentence": row.sentence,
                }
            )
    n = len(rows)
    metrics: dict[str, Any] = {
        "negation": _prf(negation),
        "historical": _prf(historical),
        "experiencer": {"accuracy": round(experiencer_right / n, 4) if n else 0.0},
        "n": n,
    }
    return metrics, errors


def _table(name: str, m: dict[str, Any]) -> str:
    return (
        f"{name:<11} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}\n"
        f"{'':<11} gold+ predicted+ {m['tp']:>4}  gold+ predicted- {m['fn']:>4}\n"
        f"{'':<11} gold- predicted+ {m['fp']:>4}  gold- predicted- {m['tn']:>4}"
    )


@click.command("negex")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@click.option("--errors", "show_errors", is_flag=True, help="Also list the rows scored wrong.")
@click.pass_context
def negex_command(ctx: click.Context, file: Path, as_json: bool, show_errors: bool) -> None:
    """Score assertions on a NegEx/ConText kit TSV (negation, historical, experiencer)."""
    rows = read_kit(file)
    if not rows:
        raise NegexFileError(f"{file.name} holds no scorable rows")
    given = ctx.obj.get("pipeline") if isinstance(ctx.obj, dict) else None
    metrics, errors = score(rows, given)
    if as_json:
        payload = {**metrics, "errors": errors} if show_errors else metrics
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(f"rows scored: {metrics['n']}")
    click.echo(_table("negation", metrics["negation"]))
    click.echo(_table("historical", metrics["historical"]))
    click.echo(f"experiencer accuracy {metrics['experiencer']['accuracy']:.3f}")
    if show_errors:
        for error in errors:
            click.echo(f"{','.join(error['wrong'])}\t{error['cues']}\t{error['sentence']}")


if __name__ == "__main__":
    negex_command()
