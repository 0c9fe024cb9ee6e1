"""``cac keys``: create (printed once), list and revoke API keys from the operator's shell; make
note-encryption keys and re-encrypt stored notes with the newest one."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session, sessionmaker

from app import audit, keys, notecrypt
from app.audit import Actor
from app.db import make_engine, make_sessionmaker, session_scope
from app.migrate import migrate
from app.notecrypt import cipher_from
from app.reseal import reseal_all
from app.security import Role, server_secret
from app.serve import settings_for

_OPERATOR = Actor(name="cli", role="operator")
_DB_OPTION = click.option(
    "--database-url", default=None, help="SQLAlchemy URL; default DATABASE_URL or var/cac.db."
)


@click.group("keys")
def keys_group() -> None:
    """Manage API keys (stored hashed; a key is shown only when created)."""


def _open(database_url: str | None) -> tuple[sessionmaker[Session], bytes]:
    settings = settings_for(database_url)
    engine = make_engine(settings.resolved_database_url(), cipher=cipher_from(settings))
    migrate(engine, auto=settings.auto_migrate)
    return make_sessionmaker(engine), server_secret(settings)


@keys_group.command("create")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", required=True, help="Who or what uses the key.")
@_DB_OPTION
def create(role: str, name: str, database_url: str | None) -> None:
    """Create a key and print it once."""
    sessions, secret = _open(database_url)
    with session_scope(sessions) as session:
        row, plaintext = keys.create_key(
            session, secret=secret, name=name, role=Role(role), actor=_OPERATOR
        )
    click.echo(f"created key {row.id} ({row.role}, {row.name}); it will not be shown again:")
    click.echo(plaintext)


@keys_group.command("list")
@_DB_OPTION
def list_(database_url: str | None) -> None:
    """List keys (never their secrets)."""
    sessions, _ = _open(database_url)
    with session_scope(sessions) as session:
        for row in keys.list_keys(session):
            state = "revoked" if row.revoked_at else "active"
            click.echo(f"{row.id}\t{row.role}\t{state}\tcac_{row.prefix}_…\t{row.name}")


@keys_group.command("revoke")
@click.argument("key_id", type=int)
@_DB_OPTION
def revoke(key_id: int, database_url: str | None) -> None:
    """Revoke a key by id."""
    sessions, _ = _open(database_url)
    with session_scope(sessions) as session:
        row = keys.revoke_key(session, key_id=key_id, actor=_OPERATOR)
    click.echo(f"revoked key {row.id} ({row.name})")


@keys_group.command("new-note-key")
def new_note_key() -> None:
    """Print a fresh Fernet key for CAC_NOTE_KEYS (put it first to make it the one that seals)."""
    click.echo(notecrypt.new_key())


@keys_group.command("rotate-notes")
@_DB_OPTION
def rotate_notes(database_url: str | None) -> None:
    """Re-encrypt all stored note text with the first key of CAC_NOTE_KEYS (seals plain text)."""
    settings = settings_for(database_url)
    cipher = cipher_from(settings)
    if cipher is None:
        raise click.UsageError("set CAC_NOTE_KEYS (newest key first) to rotate note encryption")
    engine = make_engine(settings.resolved_database_url(), cipher=cipher)
    migrate(engine, auto=settings.auto_migrate)
    counts = reseal_all(engine, cipher)
    with session_scope(make_sessionmaker(engine)) as session:
        audit.record(
            session,
            actor=_OPERATOR,
            action="notes.reseal",
            entity="note_keys",
            entity_id=0,
            after=counts,
        )
        session.commit()
    for column, count in counts.items():
        click.echo(f"{column}: {count} values sealed with the first key")
    engine.dispose()
