"""``cac code`` (suggest codes for one note), ``cac train`` (fit the ranker), ``cac embed``."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from models.engine import CodingOptions, load_coder
from models.schema import CodingResult


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise click.BadParameter(f"cannot read {source}: {error.__class__.__name__}") from None


def _show(result: CodingResult) -> None:
    for s in result.suggestions:
        sample = " [sample description]" if s.is_sample else ""
        click.echo(f"{s.rank:>2}. {s.system} {s.code}  {s.confidence:.2f}  {s.description}{sample}")
        click.echo(f"      evidence: {'; '.join(repr(e.text) for e in s.evidence)}")
        click.echo(f"      why: {s.rationale}")
        for warning in s.warnings:
            click.echo(f"      warning: {warning}")
    for query in result.documentation_queries:
        click.echo(f"query ({query.topic}): {query.message}")
    if result.no_suggestions_reason:
        click.echo(f"no suggestions: {result.no_suggestions_reason}")


@click.command("code")
@click.argument("source", metavar="FILE|-")
@click.option("--setting", type=click.Choice(["outpatient", "inpatient"]), default="outpatient")
@click.option(
    "--date-of-service",
    "date_of_service",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="YYYY-MM-DD; picks the code-set release in force.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
@click.option("--include-negated", is_flag=True, help="Code negated mentions (CodiEsp only).")
@click.option("--no-ranker", is_flag=True, help="Rule confidence instead of the learned ranker.")
def code_command(
    source: str,
    setting: str,
    date_of_service: object,
    as_json: bool,
    include_negated: bool,
    no_ranker: bool,
) -> None:
    """Suggest ICD-10-CM, CPT and HCPCS codes for one note (always for human review)."""
    text = _read(source)
    coder = load_coder(with_ranker=not no_ranker)
    day: date | None = date_of_service.date() if date_of_service is not None else None  # type: ignore[attr-defined]
    result = coder.code(
        text,
        setting="inpatient" if setting == "inpatient" else "outpatient",
        date_of_service=day,
        options=CodingOptions(include_negated=include_negated, use_ranker=not no_ranker),
    )
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    else:
        _show(result)


@click.command("train")
@click.option(
    "--codiesp",
    "codiesp_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="CodiEsp root (train/ and dev/ inside).",
)
@click.option(
    "--gold",
    "gold_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Synthetic gold JSONL (tests/data/gold_synthetic.jsonl).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Artifact directory (default: models/artifacts/ranker).",
)
@click.option("--seed", default=13, show_default=True)
@click.option("--epochs", default=300, show_default=True)
def train_command(
    codiesp_dir: Path, gold_file: Path | None, out_dir: Path | None, seed: int, epochs: int
) -> None:
    """Train and calibrate the ranker; writes weights and a manifest with metrics."""
    from models.training import train

    manifest = train(
        codiesp_dir=codiesp_dir,
        gold_file=gold_file,
        out_dir=out_dir,
        seed=seed,
        epochs=epochs,
        echo=click.echo,
    )
    metrics = manifest["metrics"]
    click.echo(f"ranker {manifest['version']} written; metrics: {metrics}")


@click.command("embed")
def embed_command() -> None:
    """Precompute the coder's derived caches (set-up step), so no start-up builds them.

    Sentence embeddings of code names, then the phrase matcher's table and the NLP terminology
    index (both built by loading the engine once); each is skipped when already current.
    """
    import time

    from models.codebook import open_codebook
    from models.loading import load_engine, model_cache_dir
    from models.semantic import build_embeddings

    path, count, seconds = build_embeddings(open_codebook(), model_cache_dir())
    click.echo(f"{count} embeddings written to {path} in {seconds:.1f} s")
    started = time.perf_counter()
    load_engine(with_ranker=False, with_semantic=False)
    click.echo(f"matcher and terminology caches ready in {time.perf_counter() - started:.1f} s")
