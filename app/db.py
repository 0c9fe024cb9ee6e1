"""Database engine and sessions: SQLite (WAL, foreign keys) by default, PostgreSQL in production."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from app import notecrypt


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own implicit BEGIN is off: ``_sqlite_begin`` opens every transaction instead
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets the worklist read while a note is being written; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk (WAL fsynced) before the service acknowledges it, so neither a
    # killed process nor a power loss can drop an acknowledged decision
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


_IMMEDIATE = "cac_begin_immediate"


def _sqlite_begin(connection: Connection) -> None:
    # A request that writes starts with BEGIN IMMEDIATE (``for_writing``), which takes the write
    # lock at once: a deferred transaction that reads and then writes fails at once with
    # "database is locked" (SQLITE_BUSY, no waiting) when another process, such as a second
    # uvicorn worker, committed in between; an immediate one waits its turn within busy_timeout.
    # Reads stay deferred, so in WAL mode they never wait for a writer.
    immediate = connection.get_execution_options().get(_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def for_writing(engine: Engine) -> Engine:
    """``engine`` for transactions that write: on SQLite they take the write lock up front."""
    return engine.execution_options(**{_IMMEDIATE: True})


def make_engine(url: str, *, cipher: notecrypt.NoteCipher | None = None) -> Engine:
    """An engine for ``url`` sealing note text with ``cipher``; creates the SQLite file's folder
    and turns on WAL mode."""
    engine = _engine(url)
    notecrypt.attach(engine, cipher)
    return engine


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            # the database holds note text: its folder is private to the service user
            Path(parsed.database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (responses are built after it)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that rolls back whatever was not committed when the block ends."""
    session = factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def is_reachable(engine: Engine) -> bool:
    """True when the database answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # any driver error means "not reachable" for readiness
        return False
    return True
