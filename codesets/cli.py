"""``cac codes`` (lookup, search, versions) and ``cac codesets`` (build-cache, verify, convert).

Product errors (unknown code, malformed code, no release for a date) are raised as ``CACError``;
``app/cli.py`` prints them on stderr and exits with status 2.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import date, datetime
from typing import Any

import click

from codesets.errors import CodeSetIntegrityError
from codesets.model import Code, CodeSetRelease, SearchHit


def release_record(release: CodeSetRelease) -> dict[str, Any]:
    """A release as JSON-ready data."""
    return {
        "system": release.system.value,
        "version": release.version,
        "effective_from": release.effective_from.isoformat(),
        "effective_to": release.effective_to.isoformat(),
        "source": release.source,
        "license": release.license,
        "is_sample": release.is_sample,
    }


def code_record(code: Code, release: CodeSetRelease) -> dict[str, Any]:
    """A code with its notes and release as JSON-ready data."""
    extra = dict(code.extra)
    return {
        "system": code.system.value,
        "code": code.code,
        "description": code.description,
        "short_description": code.short_description,
        "billable": code.billable,
        "version": code.version,
        "is_sample": code.is_sample,
        "chapter": code.chapter,
        "chapter_title": extra.get("chapter_title"),
        "block": code.block,
        "block_title": extra.get("block_title"),
        "parents": list(code.parents),
        "notes": {
            "inclusion_terms": list(code.inclusion_terms),
            "includes": list(code.includes),
            "excludes1": list(code.excludes1),
            "excludes2": list(code.excludes2),
            "code_first": list(code.code_first),
            "code_also": list(code.code_also),
            "use_additional": list(code.use_additional),
            "seventh_characters": dict(code.seventh_characters),
            "seventh_character_note": extra.get("seventh_character_note"),
            "other": [text for key, text in code.extra if key == "note"],
        },
        "release": release_record(release),
    }


def hit_record(hit: SearchHit) -> dict[str, Any]:
    """A search hit as JSON-ready data."""
    return {
        "system": hit.code.system.value,
        "code": hit.code.code,
        "description": hit.code.description,
        "billable": hit.code.billable,
        "score": hit.score,
        "matched_term": hit.matched_term,
        "source": hit.source,
    }


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


_DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.group()
def codes() -> None:
    """Look up and search codes; list code-set versions."""


@codes.command()
@click.argument("system")
@click.argument("code")
@click.option("--date-of-service", type=_DATE, help="Pick the release covering this day.")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
def lookup(system: str, code: str, date_of_service: datetime | None, as_json: bool) -> None:
    """Show one code (SYSTEM: ICD-10-CM, HCPCS or CPT) with its notes and release."""
    from codesets.store import get_codesets

    store = get_codesets()
    found = store.lookup(system, code, date_of_service=_day(date_of_service))
    release = store.release_for(found.system, _day(date_of_service))
    record = code_record(found, release)
    if as_json:
        click.echo(json.dumps(record, indent=2))
        return
    flag = "billable" if found.billable else "not billable (use a more specific code)"
    click.echo(f"{found.code}  {found.description}")
    click.echo(f"  {found.system.value} {release.version} - {flag}")
    for label, entries in record["notes"].items():
        if entries and label != "seventh_characters":
            shown = entries if isinstance(entries, list) else [entries]
            click.echo(f"  {label.replace('_', ' ')}:")
            for entry in shown:
                click.echo(f"    {entry}")
    for char, meaning in found.seventh_characters:
        click.echo(f"  7th character {char}: {meaning}")


@codes.command()
@click.argument("query")
@click.option("--system", "systems", multiple=True, help="Only this system (repeatable).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--billable-only", is_flag=True, help="Leave out codes that are not billable.")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
def search(
    query: str, systems: tuple[str, ...], limit: int, billable_only: bool, as_json: bool
) -> None:
    """Search every code set for QUERY (words, abbreviations, lay terms, misspellings)."""
    from codesets.store import get_codesets

    hits = get_codesets().search(
        query, systems=list(systems) or None, limit=limit, billable_only=billable_only
    )
    if as_json:
        click.echo(json.dumps([hit_record(hit) for hit in hits], indent=2))
        return
    if not hits:
        click.echo("no match")
    for hit in hits:
        flag = "" if hit.code.billable else "  [not billable]"
        click.echo(f"{hit.score:.3f}  {hit.code.system.value:9} {hit.code.code:9} "
                   f"{hit.code.description}{flag}")  # fmt: skip
        click.echo(f"       matched {hit.source}: {hit.matched_term}")


@codes.command()
@click.option("--json", "as_json", is_flag=True, help="Print the releases as JSON.")
def versions(as_json: bool) -> None:
    """List the loaded releases and the dates of service each covers."""
    from codesets.store import get_codesets

    releases = get_codesets().versions()
    if as_json:
        click.echo(json.dumps([release_record(release) for release in releases], indent=2))
        return
    for release in releases:
        sample = "  (sample)" if release.is_sample else ""
        dates = f"{release.effective_from}..{release.effective_to}"
        click.echo(
            f"{release.system.value:9} {release.version:11} {dates}  {release.source}{sample}"
        )


class _CodesetsGroup(click.Group):
    """Adds ``convert`` (codesets.convert) on demand: it is needed only to refresh data files."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), "convert"])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "convert":
            from codesets.convert.cli import convert

            command: click.Command = convert
            return command
        return super().get_command(ctx, cmd_name)


@click.group(name="codesets", cls=_CodesetsGroup)
def codesets_group() -> None:
    """Convert source files, build the code-set cache and verify the shipped data."""


@codesets_group.command("build-cache")
@click.option("--force", is_flag=True, help="Rebuild even when the cache is current.")
def build_cache_command(force: bool) -> None:
    """Build the compact code-set cache (setup runs this; a current cache is only checked)."""
    from codesets.cache import build_cache, cache_path, fingerprint, load_payload
    from codesets.config import get_config
    from codesets.store import CodeSets

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    config = get_config()
    if force:
        build_cache(config)
    else:
        load_payload(config)  # builds, under the build lock, only when missing or stale
    path = cache_path(config, fingerprint(config))
    started = time.perf_counter()
    CodeSets(load_payload(config))
    loaded = time.perf_counter() - started
    click.echo(f"cache: {path} ({path.stat().st_size / 1e6:.1f} MB, loads in {loaded:.2f} s)")


@codesets_group.command()
def verify() -> None:
    """Check every shipped data file against the sha256 in its manifest."""
    from codesets.cache import cache_path, fingerprint, verify_manifests
    from codesets.config import get_config

    results = verify_manifests()
    for manifest, name, ok in results:
        click.echo(f"{'ok  ' if ok else 'FAIL'} {manifest}: {name}")
    failed = [name for _, name, ok in results if not ok]
    if failed:
        raise CodeSetIntegrityError(
            f"{len(failed)} data file(s) do not match their manifest: {', '.join(failed)}"
        )
    click.echo(f"{len(results)} file(s) match their manifests")
    config = get_config()
    current = cache_path(config, fingerprint(config)).is_file()
    click.echo(
        f"cache for the current sources: {'present' if current else 'missing (build-cache)'}"
    )
