"""``cac audit export``: the whole audit log (or what happened since a time) as JSONL or CSV."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from app import audit_export
from app.db import make_engine, make_sessionmaker, session_scope
from app.migrate import migrate
from app.serve import settings_for


@click.group("audit")
def audit_group() -> None:
    """Read the append-only audit log."""


@audit_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    default=None,
    help="Only events at or after this UTC time.",
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option(
    "--database-url", default=None, help="SQLAlchemy URL; default DATABASE_URL or var/cac.db."
)
def export(fmt: str, since: datetime | None, output: Path | None, database_url: str | None) -> None:
    """Write audit events, oldest first, to --output (default: standard output)."""
    settings = settings_for(database_url)
    engine = make_engine(settings.resolved_database_url())
    migrate(engine, auto=settings.auto_migrate)
    start = since.replace(tzinfo=UTC) if since is not None else None
    with session_scope(make_sessionmaker(engine)) as session:
        events = audit_export.all_events(session, since=start)
        if output is None:
            count = audit_export.write(events, sys.stdout, fmt)
        else:
            with output.open("w", encoding="utf-8", newline="") as stream:
                count = audit_export.write(events, stream, fmt)
    engine.dispose()
    click.echo(f"exported {count} audit events", err=True)
