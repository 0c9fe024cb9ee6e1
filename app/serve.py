"""``cac serve``: migrate, make a first admin key if none exists, print the URLs, run uvicorn."""

from __future__ import annotations

import logging

import click
import uvicorn

from app import keys
from app.db import session_scope
from app.main import create_app
from app.settings import Settings


def settings_for(database_url: str | None) -> Settings:
    """Settings from the environment, with ``--database-url`` taking precedence."""
    settings = Settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    return settings


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--database-url", default=None, help="SQLAlchemy URL; default DATABASE_URL or var/cac.db."
)
def serve_command(host: str, port: int, database_url: str | None) -> None:
    """Start the API service (and the web client at /ui)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = settings_for(database_url)
    app = create_app(settings)
    runtime = app.state.runtime
    with session_scope(runtime.sessions) as session:
        first_key = keys.bootstrap_admin(session, secret=runtime.secret)
    base = f"http://{host}:{port}"
    click.echo(f"CAC service on {base}  (database: {runtime.engine.url.render_as_string()})")
    click.echo(f"  API docs:   {base}/docs")
    click.echo(f"  web client: {base}/ui/")
    if first_key is not None:
        click.echo("  First admin key (shown once; create others with `cac keys create`):")
        click.echo(f"    {first_key}")
    # uvicorn's access log prints query strings (search words); ours logs route templates only
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")
