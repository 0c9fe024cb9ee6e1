"""``cac serve``: migrate, make a first admin key if none exists, print the URLs, run uvicorn."""

from __future__ import annotations

import logging

import click
import uvicorn

from app import keys
from app.db import session_scope
from app.main import create_app
from app.settings import Settings


def settings_for(database_url: str | None, coding_processes: int | None = None) -> Settings:
    """Settings from the environment, with the command's options taking precedence."""
    update: dict[str, object] = {}
    if database_url:
        update["database_url"] = database_url
    if coding_processes is not None:
        update["coding_processes"] = coding_processes
    return Settings().model_copy(update=update)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--database-url", default=None, help="SQLAlchemy URL; default DATABASE_URL or var/cac.db."
)
@click.option(
    "--coding-processes",
    default=None,
    type=click.IntRange(0, 64),
    help="Processes that code notes (default CAC_CODING_PROCESSES, else 0: in the request "
    "thread); set it to the core count to code on every core.",
)
@click.option(
    "--ssl-certfile",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="PEM certificate (chain): serve HTTPS directly (else terminate TLS at a proxy).",
)
@click.option(
    "--ssl-keyfile",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="PEM private key of --ssl-certfile.",
)
def serve_command(
    host: str,
    port: int,
    database_url: str | None,
    coding_processes: int | None,
    ssl_certfile: str | None,
    ssl_keyfile: str | None,
) -> None:
    """Start the API service (and the web client at /ui)."""
    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise click.UsageError("--ssl-certfile and --ssl-keyfile go together")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = settings_for(database_url, coding_processes)
    app = create_app(settings)
    runtime = app.state.runtime
    with session_scope(runtime.sessions) as session:
        first_key = keys.bootstrap_admin(session, secret=runtime.secret)
    base = f"{'https' if ssl_certfile else 'http'}://{host}:{port}"
    click.echo(f"CAC service on {base}  (database: {runtime.engine.url.render_as_string()})")
    click.echo(f"  API docs:   {base}/docs")
    click.echo(f"  web client: {base}/ui/")
    if first_key is not None:
        click.echo("  First admin key (shown once; create others with `cac keys create`):")
        click.echo(f"    {first_key}")
    # uvicorn's access log prints query strings (search words); ours logs route templates only
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        log_level="info",
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )
