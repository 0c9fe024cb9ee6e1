"""``cac bench --notes DIR``: speed and memory of the whole suggestion pipeline, with anchors."""

from __future__ import annotations

import json
from pathlib import Path

import click

from evaluation.bench.runner import read_notes, run_bench


@click.command("bench")
@click.option(
    "--notes", "notes_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
    help="Directory of *.txt notes.",
)  # fmt: skip
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Code at most N notes.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--no-anchors", is_flag=True, help="Skip the spaCy tokenizer and medspaCy anchors.")
@click.option(
    "--profile", type=click.Path(path_type=Path, dir_okay=False), default=None,
    help="Write cProfile stats of the coding phase here (view: python -m pstats FILE).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def bench(
    notes_dir: Path,
    limit: int | None,
    workers: int,
    no_anchors: bool,
    profile: Path | None,
    as_json: bool,
) -> None:
    """Load everything once, code every note, and report speed, latency, memory and anchors."""
    texts = read_notes(notes_dir, limit)
    report = run_bench(texts, workers=workers, anchors=not no_anchors, profile=profile)
    if as_json:
        click.echo(json.dumps(report, indent=2, sort_keys=True))
        return
    for key, value in report.items():
        click.echo(f"{key:>28}: {json.dumps(value)}")
