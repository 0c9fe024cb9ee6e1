"""``cac eval``: validate gold files, score the coder, compare runs, CodiEsp shortcut.

Heavy modules (the coder, matplotlib, numpy) are imported inside the commands, so that
``cac eval --help`` stays fast.
"""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any, cast

import click

# name -> ("module:attribute", help) of subcommands that live in other modules, imported on use
_LAZY: dict[str, tuple[str, str]] = {
    "negex": ("evaluation.negex:negex_command", "Score assertion detection on the NegEx kit."),
}

_SETTINGS = click.Choice(["outpatient", "inpatient"])


class _EvalGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_LAZY])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _LAZY:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = _LAZY[cmd_name][0].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module_name}:{attribute} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _LAZY[name][1]) for name in _LAZY]
        for name in super().list_commands(ctx):
            command = super().get_command(ctx, name)
            if command is not None:
                rows.append((name, command.get_short_help_str(limit=70)))
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))


@click.group(cls=_EvalGroup)
def eval_group() -> None:
    """Score the coder against gold-coded charts and compare runs."""


@eval_group.command("validate")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate_command(gold: Path) -> None:
    """Check a gold JSONL file; every problem is listed with its line number."""
    from evaluation.gold import load_gold

    charts = load_gold(gold)
    codes = sum(len(chart.codes) for chart in charts)
    click.echo(f"{gold}: {len(charts)} charts, {codes} codes, valid")


def _score_run(
    charts: list[Any],
    *,
    gold_path: Path,
    gold_sha256: str,
    options: dict[str, Any],
    workers: int,
    setting: str | None,
    progress: bool,
    systems: list[str] | None = None,
    notices: tuple[str, ...] = (),
) -> dict[str, Any]:
    from evaluation.options import CodingOptions
    from evaluation.results import build_document
    from evaluation.runner import run_coder

    started = datetime.now(UTC)
    clock = perf_counter()
    runs = run_coder(
        charts,
        options=CodingOptions(include_negated=options["count_negated"]),
        workers=workers,
        setting=setting,  # type: ignore[arg-type]
        progress=progress,
    )
    return build_document(
        charts,
        runs,
        gold_path=gold_path,
        gold_sha256=gold_sha256,
        options=options,
        started=started,
        duration_seconds=perf_counter() - clock,
        systems=systems,
        notices=notices,
    )


@eval_group.command("run")
@click.option(
    "--gold",
    "gold",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Gold charts, JSONL (cac eval validate checks one).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for metrics.json and report.html (created if needed).",
)
@click.option("--limit", type=click.IntRange(min=1), help="Score only the first N charts.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Processes; each loads the coder once.",
)
@click.option(
    "--count-negated",
    is_flag=True,
    help="Ask the coder to code negated mentions (for corpora that do, e.g. CodiEsp).",
)
@click.option("--setting", type=_SETTINGS, help="Override every chart's setting.")
@click.option("--progress/--no-progress", default=True, show_default=True)
def run_command(
    gold: Path,
    out: Path,
    limit: int | None,
    workers: int,
    count_negated: bool,
    setting: str | None,
    progress: bool,
) -> None:
    """Code every gold chart and write metrics.json and report.html into OUT."""
    from evaluation.gold import load_gold, sha256_file
    from evaluation.results import write_outputs

    charts = load_gold(gold)[:limit]
    options = {
        "count_negated": count_negated,
        "limit": limit,
        "workers": workers,
        "setting": setting,
    }
    document = _score_run(
        charts,
        gold_path=gold,
        gold_sha256=sha256_file(gold),
        options=options,
        workers=workers,
        setting=setting,
        progress=progress,
    )
    metrics_path, report_path = write_outputs(document, out)
    overall = document["metrics"]["overall"]["micro"]
    click.echo(
        f"{len(charts)} charts: micro P {overall['precision']:.3f} R {overall['recall']:.3f} "
        f"F1 {overall['f1']:.3f}; wrote {metrics_path} and {report_path}"
    )


@eval_group.command("compare")
@click.argument("a", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("b", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--resamples", default=1000, show_default=True, type=click.IntRange(min=100))
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
def compare_command(a: Path, b: Path, resamples: int, as_json: bool) -> None:
    """Deltas from run A to run B, with a paired bootstrap over charts."""
    from evaluation.compare import compare_runs, format_comparison, load_metrics

    comparison = compare_runs(load_metrics(a), load_metrics(b), resamples=resamples)
    click.echo(json.dumps(comparison, indent=1) if as_json else format_comparison(comparison))


def _icd10cm_status() -> tuple[Any, str | None]:
    """A function naming what the loaded ICD-10-CM says of a code, or why there is none."""
    from codesets.errors import CACError

    try:
        from codesets.store import get_codesets

        store = get_codesets()
    except (CACError, ImportError) as error:
        return None, f"code set unavailable ({type(error).__name__}); unknown codes not counted"

    def status(code: str) -> str:
        try:
            found = store.find("ICD-10-CM", code)
        except CACError:
            return "unknown"
        if found is None:
            return "unknown"
        return "billable" if found.billable else "not_billable"

    return status, None


@eval_group.command("codiesp")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--split", required=True, help="The split name: train, dev or test.")
@click.option("--count-negated", is_flag=True, help="Code negated mentions, as CodiEsp does.")
@click.option(
    "--setting",
    type=_SETTINGS,
    default="inpatient",
    show_default=True,
    help="Setting for the case reports (inpatient codes 'probable' as established).",
)
@click.option("--limit", type=click.IntRange(min=1), help="Score only the first N documents.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Processes; each loads the coder once.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write metrics.json and report.html here.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--progress/--no-progress", default=True, show_default=True)
def codiesp_command(
    directory: Path,
    split: str,
    count_negated: bool,
    setting: str,
    limit: int | None,
    workers: int,
    out: Path | None,
    as_json: bool,
    progress: bool,
) -> None:
    """Score the D (diagnosis) codes of a CodiEsp split; MAP as the official evaluation."""
    from codesets.model import System
    from evaluation.codes import ICD10PCS
    from evaluation.codiesp import (
        ICD10CM,
        codes_by_status,
        load_codiesp,
        procedure_count,
        split_digest,
    )
    from evaluation.gold import Setting
    from evaluation.results import write_outputs

    notices = []
    include_procedures = ICD10PCS in {system.value for system in System}
    if not include_procedures:
        count = procedure_count(directory, split)
        notices.append(f"ICD-10-PCS is not loaded: {count} procedure codes (P) skipped")
    chosen = cast(Setting, setting)
    charts = load_codiesp(directory, split, include_procedures=include_procedures, setting=chosen)
    charts = charts[:limit]
    status, notice = _icd10cm_status()
    statuses: dict[str, dict[str, int]] = {}
    if status is None:
        notices.append(notice or "")
    else:
        statuses = codes_by_status(charts, ICD10CM, status)
    unknown = statuses.get("unknown", {})
    not_billable = statuses.get("not_billable", {})
    gold_codes = sum(1 for c in charts for code in c.codes if code.system == ICD10CM)
    options = {
        "count_negated": count_negated,
        "limit": limit,
        "workers": workers,
        "setting": setting,
        "corpus": f"codiesp/{split}",
    }
    document = _score_run(
        charts,
        gold_path=directory / f"{split}D.tsv",
        gold_sha256=split_digest(directory, split),
        options=options,
        workers=workers,
        setting=setting,
        progress=progress,
        systems=[ICD10CM],
        notices=tuple(notices),
    )
    if out is not None:
        write_outputs(document, out)
    metrics = document["metrics"]["systems"][ICD10CM]
    summary = {
        "split": split,
        "charts": len(charts),
        "micro": {k: metrics["micro"][k] for k in ("precision", "recall", "f1", "tp", "fp", "fn")},
        "macro": metrics["macro"],
        "map": metrics["ranking"]["map"],
        "r_precision": metrics["ranking"]["r_precision"],
        "ranking": metrics["ranking"],
        "category_micro": metrics["category"]["micro"],
        "gold_codes": gold_codes,
        "gold_codes_not_in_codeset": {
            "count": sum(unknown.values()),
            "distinct": len(unknown),
            "most_frequent": list(unknown.items())[:10],
        },
        "gold_codes_not_billable": {
            "count": sum(not_billable.values()),
            "distinct": len(not_billable),
            "most_frequent": list(not_billable.items())[:10],
        },
        "count_negated": count_negated,
        "setting": setting,
        "failed_charts": document["errors"]["charts_failed"],
        "versions": document["versions"],
        "notices": notices,
    }
    if as_json:
        click.echo(json.dumps(summary, indent=1))
        return
    for line in notices:
        click.echo(f"note: {line}")
    click.echo(
        f"CodiEsp {split} D: {len(charts)} charts, micro P {summary['micro']['precision']:.3f} "
        f"R {summary['micro']['recall']:.3f} F1 {summary['micro']['f1']:.3f}, "
        f"MAP {summary['map']:.3f}; {summary['gold_codes_not_in_codeset']['count']} of "
        f"{gold_codes} gold codes are not in the loaded ICD-10-CM, "
        f"{summary['gold_codes_not_billable']['count']} are not billable"
    )


@eval_group.command("decisions")
@click.option(
    "--database-url",
    required=True,
    envvar="CAC_DATABASE_URL",
    help="The service's database (default: $CAC_DATABASE_URL).",
)
@click.option(
    "--top",
    default=20,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many of the codes coders added most to list.",
)
@click.option("--json", "as_json", is_flag=True, help="Print every rate as JSON.")
def decisions_command(database_url: str, top: int, as_json: bool) -> None:
    """Acceptance, rejection and edit rates of suggestions, and the codes coders added."""
    from evaluation.decisions import decision_metrics
    from evaluation.decisions_db import load_decisions

    result = decision_metrics(load_decisions(database_url), top_added=top)
    if as_json:
        click.echo(json.dumps(result, indent=1))
        return
    click.echo(
        f"{'':<12}{'suggested':>10}{'accepted':>10}{'rejected':>10}{'edited':>10}{'added':>8}"
    )
    for name, row in [("overall", result["overall"]), *result["systems"].items()]:
        click.echo(
            f"{name:<12}{row['suggested']:>10}{row['acceptance_rate']:>10.1%}"
            f"{row['rejection_rate']:>10.1%}{row['edit_rate']:>10.1%}{row['added']:>8}"
        )
    if result["added_most"]:
        click.echo("\ncodes coders added most (the system's misses):")
        for row in result["added_most"]:
            click.echo(f"  {row['code']:<24}{row['added']:>5}")
