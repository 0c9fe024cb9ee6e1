"""``cac nlp FILE|- [--json]``: run the clinical pipeline on one note and print what it read."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from nlp.errors import InvalidNoteText


def _read(source: str) -> str:
    if source == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as error:
            raise InvalidNoteText(f"cannot read {Path(source).name}: {error.strerror}") from error
    # a note with stray bytes is still a note: undecodable bytes become U+FFFD, never a crash
    return data.decode("utf-8", errors="replace")


@click.command("nlp")
@click.argument("source", metavar="FILE|-")
@click.option("--json", "as_json", is_flag=True, help="Print the document as JSON.")
@click.pass_context
def nlp_command(ctx: click.Context, source: str, as_json: bool) -> None:
    """Read a note: sections, sentences, abbreviations and mentions with assertions."""
    from nlp.pipeline import PIPELINE_VERSION, ClinicalPipeline

    text = _read(source)
    # a caller (a test, a batch job) may hand in a pipeline it has built already
    given = ctx.obj.get("pipeline") if isinstance(ctx.obj, dict) else None
    pipeline = given if isinstance(given, ClinicalPipeline) else ClinicalPipeline()
    document = pipeline.process(text)
    if as_json:
        payload = {
            "pipeline_version": PIPELINE_VERSION,
            "config_hash": pipeline.config_hash,
            **document.to_dict(),
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    for section in document.sections:
        click.echo(f"[{section.name}] {section.start}-{section.end}")
    for start, end in document.sentences:
        click.echo(f"  sentence {start}-{end}")
    for mention in document.mentions:
        codes = ",".join(c.code for c in mention.concepts[:3])
        attributes = " ".join(f"{k}={v}" for k, v in mention.attributes.items())
        click.echo(
            f"{mention.start:>6}-{mention.end:<6} {mention.label:<9} "
            f"{mention.assertion.label:<12} {mention.text!r} {codes} {attributes}".rstrip()
        )
