"""Schema migrations on start: upgrade an older schema, refuse one this release does not know."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, inspect, text

from app.errors import SchemaMismatch


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config built in code; the scripts are found through the ``app`` package."""
    config = Config()
    config.set_main_option("script_location", "app:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this release ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise SchemaMismatch("this release ships no migrations")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is stamped with, or None for an unmigrated database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _check_known(revision: str) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    try:
        known = script.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise SchemaMismatch(
            f"the database schema is at revision {revision!r}, which this release does not know "
            f"(its newest is {head_revision()!r}); run a release that matches the database"
        )


# Arbitrary constant naming the PostgreSQL advisory lock that serialises migrations.
_PG_MIGRATION_LOCK = 0x43414331


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Hold a lock that keeps other processes (workers, ``cac keys``) from migrating at once."""
    database = engine.url.database
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
    elif engine.dialect.name == "sqlite" and database and database != ":memory:":
        with Path(f"{database}.migrate-lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
    else:
        yield


def migrate(engine: Engine, *, auto: bool = True) -> str:
    """Bring the schema to head (when ``auto``) and return the revision; refuse a mismatch."""
    head = head_revision()
    if current_revision(engine) == head:
        return head
    with _migration_lock(engine):
        return _migrate_locked(engine, head, auto=auto)


def _migrate_locked(engine: Engine, head: str, *, auto: bool) -> str:
    current = current_revision(engine)  # again: another process may have migrated meanwhile
    if current == head:
        return head
    if current is not None:
        _check_known(current)
    elif inspect(engine).has_table("notes"):
        raise SchemaMismatch(
            "the database has CAC tables but no migration stamp; refusing to guess its schema"
        )
    if not auto:
        raise SchemaMismatch(
            f"the database schema is at {current or 'empty'}, this release needs {head}; "
            "start with CAC_AUTO_MIGRATE=true to upgrade it"
        )
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    return head


def downgrade_to_base(engine: Engine) -> None:
    """Drop every table by running the migrations backwards (tests and operators only)."""
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
