"""``cac keys`` and ``cac serve`` options: the database URL from the flag or DATABASE_URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.cli import cli
from app.db import make_engine, make_sessionmaker
from app.security import hash_key, load_or_create_secret
from app.serve import settings_for
from app.tables import ApiKey


def _stored(url: str) -> list[ApiKey]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        rows = list(session.scalars(select(ApiKey)))
    engine.dispose()
    return rows


@pytest.mark.parametrize("via", ["flag", "env"])
def test_keys_create_prints_once_and_stores_hash(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, via: str
) -> None:
    monkeypatch.setenv("CAC_DATA_DIR", str(tmp_path / "data"))
    args = ["keys", "create", "--role", "coder", "--name", "alice"]
    if via == "flag":
        monkeypatch.delenv("DATABASE_URL", raising=False)
        args += ["--database-url", database_url]
    else:
        monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("cac_")
    rows = _stored(database_url)
    assert [(r.name, r.role) for r in rows] == [("alice", "coder")]
    assert rows[0].key_hash == hash_key(key, load_or_create_secret(tmp_path / "data"))
    listed = CliRunner().invoke(
        cli, ["keys", "list", *args[-2:]] if via == "flag" else ["keys", "list"]
    )
    assert "alice" in listed.output and key not in listed.output
    revoked = CliRunner().invoke(cli, ["keys", "revoke", str(rows[0].id), *args[6:]])
    assert revoked.exit_code == 0, revoked.output
    assert _stored(database_url)[0].revoked_at is not None


def test_keys_create_refuses_unknown_role(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "keys",
            "create",
            "--role",
            "root",
            "--name",
            "x",
            "--database-url",
            f"sqlite:///{tmp_path / 'x.db'}",
        ],
    )
    assert result.exit_code == 2
    assert "root" in result.output


def test_secret_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = load_or_create_secret(tmp_path)
    assert load_or_create_secret(tmp_path) == first
    assert len(first) == 32
    assert (tmp_path / "server-secret.key").stat().st_mode & 0o077 == 0


def test_database_url_flag_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from-env.db")
    assert settings_for(None).resolved_database_url() == "sqlite:///from-env.db"
    assert settings_for("sqlite:///flag.db").resolved_database_url() == "sqlite:///flag.db"


def test_coding_processes_flag_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAC_CODING_PROCESSES", raising=False)
    assert settings_for(None).coding_processes == 0
    monkeypatch.setenv("CAC_CODING_PROCESSES", "2")
    assert settings_for(None).coding_processes == 2
    assert settings_for(None, 0).coding_processes == 0


def test_serve_and_keys_are_registered() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert "serve" in result.output and "keys" in result.output
    serve_help = CliRunner().invoke(cli, ["serve", "--help"])
    for option in ("--host", "--port", "--database-url", "--coding-processes"):
        assert option in serve_help.output
