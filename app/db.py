"""Database engine and sessions: SQLite (WAL, foreign keys) by default, PostgreSQL in production."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pydantic_core
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from app import notecrypt

BUSY_TIMEOUT_S = 15


class _WriterConnection(sqlite3.Connection):
    """A pysqlite connection that queues its write transactions on its engine's writer lock.

    SQLite grants its write lock to a waiting connection by polling (busy_timeout sleeps 1, 2,
    5, ... then 100 ms between tries), so under load a waiting writer can lose to newer ones for
    hundreds of ms. The connections of one process therefore wait for each other on a lock that
    hands over as soon as a transaction ends (measured, one uvicorn worker, 8 clients posting
    notes to a coder that takes no time: p95 141 -> 64 ms, p99 641 -> 89 ms). SQLite's own lock
    and busy_timeout still order this process against others (a second worker, the CLI), which
    still poll. Past busy_timeout in the queue a transaction goes on to SQLite's own wait, as
    before, so a stuck writer makes others fail after up to twice busy_timeout, not hang.
    """

    writer: threading.Lock | None = None
    holds_writer = False

    def take_writer(self) -> None:
        """Wait (up to busy_timeout) for this process's other write transactions to end."""
        if self.writer is not None and not self.holds_writer:
            # past the timeout, go on and let SQLite's own busy_timeout decide, as before
            self.holds_writer = self.writer.acquire(timeout=BUSY_TIMEOUT_S)

    def release_writer(self) -> None:
        """Let the next write transaction of this process begin."""
        if self.holds_writer and self.writer is not None:
            self.holds_writer = False
            self.writer.release()

    def commit(self) -> None:
        """Commit, then hand the writer lock on."""
        try:
            super().commit()
        finally:
            self.release_writer()

    def rollback(self) -> None:
        """Roll back, then hand the writer lock on."""
        try:
            super().rollback()
        finally:
            self.release_writer()

    def close(self) -> None:
        """Close (an open transaction ends with it) and hand the writer lock on."""
        try:
            super().close()
        finally:
            self.release_writer()


def _sqlite_pragmas(writer: threading.Lock, dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, _WriterConnection):
        dbapi_connection.writer = writer
    # pysqlite's own implicit BEGIN is off: ``_sqlite_begin`` opens every transaction instead
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets the worklist read while a note is being written; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk (WAL fsynced) before the service acknowledges it, so neither a
    # killed process nor a power loss can drop an acknowledged decision
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.close()


_IMMEDIATE = "cac_begin_immediate"


def _sqlite_begin(connection: Connection) -> None:
    # A request that writes starts with BEGIN IMMEDIATE (``for_writing``), which takes the write
    # lock at once: a deferred transaction that reads and then writes fails at once with
    # "database is locked" (SQLITE_BUSY, no waiting) when another process, such as a second
    # uvicorn worker, committed in between; an immediate one waits its turn within busy_timeout.
    # Reads stay deferred, so in WAL mode they never wait for a writer.
    immediate = connection.get_execution_options().get(_IMMEDIATE, False)
    if not immediate:
        connection.exec_driver_sql("BEGIN")
        return
    dbapi_connection = connection.connection.dbapi_connection
    writer = dbapi_connection if isinstance(dbapi_connection, _WriterConnection) else None
    if writer is not None:
        writer.take_writer()
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if writer is not None:
            writer.release_writer()
        raise


def for_writing(engine: Engine) -> Engine:
    """``engine`` for transactions that write: on SQLite they take the write lock up front."""
    return engine.execution_options(**{_IMMEDIATE: True})


def begin_reading(session: Session) -> None:
    """Begin ``session``'s next transaction as a reader, in a session bound for writing.

    On SQLite it then begins deferred: it neither takes nor waits for the write lock, which a
    write transaction holds through its commit's fsync. End that transaction before writing. A
    transaction already begun goes on as it began.
    """
    if not session.in_transaction():
        session.connection(execution_options={_IMMEDIATE: False})


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
        connect_args = {"check_same_thread": False, "factory": _WriterConnection}
        engine = create_engine(url, connect_args=connect_args, json_serializer=_json_text)
        event.listen(engine, "connect", partial(_sqlite_pragmas, threading.Lock()))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, json_serializer=_json_text)


def _json_text(value: Any) -> str:
    # JSON columns through pydantic's serializer (Rust): a 400-word note's coding-run details
    # (59 mentions, 19 kB) took 0.14 ms with json.dumps, 0.04 ms with this
    return pydantic_core.to_json(value).decode()


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
