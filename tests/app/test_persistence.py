"""Migrations from empty, refusing a mismatched schema, the append-only audit log, WAL."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from app.db import for_writing, make_engine
from app.errors import InvalidRequest, SchemaMismatch
from app.main import create_app
from app.migrate import current_revision, downgrade_to_base, head_revision, migrate
from app.settings import Settings

TABLES = {
    "notes",
    "coding_runs",
    "suggestions",
    "evidence",
    "decisions",
    "added_codes",
    "final_code_sets",
    "final_codes",
    "api_keys",
    "audit_log",
    "alembic_version",
}


def test_migrations_from_empty_and_back(database_url: str) -> None:
    engine = make_engine(database_url)
    assert current_revision(engine) is None
    assert migrate(engine) == head_revision()
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert migrate(engine) == head_revision()  # a second start changes nothing
    downgrade_to_base(engine)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_processes_starting_together_migrate_once(database_url: str) -> None:
    # two uvicorn workers (or `cac keys create` beside `cac serve`) start on an empty database
    engines = [make_engine(database_url) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        revisions = list(pool.map(migrate, engines))
    assert revisions == [head_revision()] * 4
    assert set(inspect(engines[0]).get_table_names()) >= TABLES
    for engine in engines:
        engine.dispose()


def test_unknown_revision_refuses_to_start(settings: Settings, database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    engine.dispose()
    with pytest.raises(SchemaMismatch, match="'from_the_future', which this release does not know"):
        create_app(settings)


def test_unstamped_tables_refuse_to_start(settings: Settings, database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(SchemaMismatch, match="no migration stamp"):
        create_app(settings)


def test_without_auto_migrate_an_old_schema_refuses(settings: Settings) -> None:
    with pytest.raises(SchemaMismatch, match="CAC_AUTO_MIGRATE"):
        create_app(settings.model_copy(update={"auto_migrate": False}))


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"]
)
def test_audit_log_is_append_only_in_the_database(
    app: Any, posted: dict[str, Any], statement: str
) -> None:
    with app.state.runtime.engine.connect() as connection:
        count = text("SELECT count(*) FROM audit_log")
        before = connection.execute(count).scalar()
        assert before == 5  # four test keys and the posted note
        connection.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text(statement))
        connection.rollback()
        assert connection.execute(count).scalar() == before


def test_audit_module_has_no_update_or_delete_path() -> None:
    import app.audit as audit_module

    public = {name for name in vars(audit_module) if not name.startswith("_")}
    assert not {n for n in public if any(w in n for w in ("update", "delete", "remove", "edit"))}


def test_sqlite_runs_in_wal_mode(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_default_database_is_a_sqlite_file_under_data_dir(tmp_path: Any) -> None:
    settings = Settings(database_url="", data_dir=tmp_path / "var")
    assert settings.resolved_database_url() == f"sqlite:///{(tmp_path / 'var' / 'cac.db')}"


def test_migrations_match_the_table_models(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from app.tables import Base

    engine = make_engine(database_url)
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_a_failure_while_storing_leaves_nothing_behind(
    app: Any,
    client: Any,
    auth: dict[str, dict[str, str]],
    note_payload: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app import audit as audit_module

    def fail(*_: Any, **__: Any) -> None:
        raise RuntimeError("disk full")

    # fault injection: the audit write comes after the note, run and suggestions are flushed
    monkeypatch.setattr(audit_module, "record", fail)
    response = client.post("/v1/notes", json=note_payload, headers=auth["integration"])
    assert response.status_code == 500
    with app.state.runtime.engine.connect() as connection:
        for table in ("notes", "coding_runs", "suggestions", "evidence"):
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0


def test_secret_from_settings_is_used(settings: Settings, fakes: Any) -> None:
    from app.security import server_secret

    configured = settings.model_copy(update={"secret_key": SecretStr("ab" * 32)})
    assert server_secret(configured) == bytes.fromhex("ab" * 32)
    assert not (settings.data_dir / "server-secret.key").exists()
    with pytest.raises(InvalidRequest, match="at least 32 bytes"):
        server_secret(settings.model_copy(update={"secret_key": SecretStr("abcd")}))


def test_sqlite_read_then_write_waits_for_another_process(tmp_path: Any) -> None:
    # two uvicorn workers on one SQLite file: a transaction that reads, then writes, while the
    # other process commits must wait its turn, not fail with "database is locked"
    url = f"sqlite:///{tmp_path / 'cac.db'}"
    first, second = make_engine(url), make_engine(url)
    with first.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")

    def other_process_writes() -> None:
        with second.begin() as other:
            other.exec_driver_sql("INSERT INTO t VALUES (2)")

    writer = threading.Thread(target=other_process_writes)
    with for_writing(first).begin() as connection:
        connection.exec_driver_sql("SELECT count(*) FROM t").scalar()
        writer.start()
        time.sleep(0.3)  # the other write is attempted while this transaction is open
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
    writer.join()
    with first.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 2
    first.dispose()
    second.dispose()
