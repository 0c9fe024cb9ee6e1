"""Service test fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is the server at 127.0.0.1:5432 (trust auth, database ``test``). Each test gets a
fresh schema there (and a fresh SQLite file), migrated from empty by the app itself. Without a
reachable server the PostgreSQL runs skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import keys
from app.audit import Actor
from app.main import create_app
from app.security import Role
from app.settings import Settings

SUPPORT = Path(__file__).parent / "support"
PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _load_support(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, SUPPORT / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FAKES = _load_support("cac_test_fakes")
SERVICE = _load_support("cac_service")


@pytest.fixture(scope="session")
def fakes() -> ModuleType:
    """The fake coder and code sets module."""
    return FAKES


@pytest.fixture(scope="session")
def service() -> ModuleType:
    """``cac serve`` in a subprocess: ``Service``, ``service_env``, ``admin_key``, ``bearer``."""
    return SERVICE


def _postgres_problem() -> str | None:
    try:
        with psycopg.connect(PG_DSN):
            return None
    except psycopg.OperationalError as error:
        return f"no PostgreSQL server reachable at 127.0.0.1:5432 ({type(error).__name__})"


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    """True when the server answers; skip (or fail under CI=true) when it does not."""
    problem = _postgres_problem()
    if problem is None:
        return True
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{problem}; CI must run the PostgreSQL tests")
    pytest.skip(f"{problem}; start one to run the PostgreSQL variant")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cac.db'}"
        return
    request.getfixturevalue("postgres_available")
    schema = f"cac_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_DSN, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for one test: its database, its data dir, a generous rate limit."""
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        rate_limit_burst=10_000,
        max_note_chars=5_000,
        max_body_bytes=50_000,
        batch_max_notes=5,
    )


@pytest.fixture
def app(settings: Settings) -> Any:
    """The service with the fake coder and code sets."""
    return create_app(settings, coder=FAKES.FakeCoder(), codesets=FAKES.FakeCodeSets())


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    """A client of the running app (lifespan included)."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def make_key(app: Any, role: Role, name: str | None = None) -> dict[str, str]:
    """Create a key of ``role`` and return the Authorization header using it."""
    runtime = app.state.runtime
    with runtime.sessions() as session:
        assert isinstance(session, Session)
        _, plaintext = keys.create_key(
            session,
            secret=runtime.secret,
            name=name or f"test {role.value}",
            role=role,
            actor=Actor(name="test", role="operator"),
        )
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def key_for() -> Any:
    """``key_for(app, role)``: a key of ``role`` for an app the test built itself."""
    return make_key


@pytest.fixture
def auth(app: Any) -> dict[str, dict[str, str]]:
    """An Authorization header per role name."""
    return {role.value: make_key(app, role) for role in Role}


@pytest.fixture
def make_auth(app: Any) -> Any:
    """Create further keys: ``make_auth(Role.CODER, "alice")``."""
    return lambda role, name=None: make_key(app, role, name)


NOTE = {
    "text": "Follow-up office visit. Type 2 diabetes mellitus, stable. Hypertension controlled.",
    "encounter_id": "ENC-1",
    "patient_ref": "PT-001",
    "note_type": "progress",
    "setting": "outpatient",
    "date_of_service": "2025-03-14",
    "specialty": "internal medicine",
}


@pytest.fixture
def note_payload() -> dict[str, Any]:
    """A synthetic note as an integration posts it."""
    return dict(NOTE)


@pytest.fixture
def posted(
    client: TestClient, auth: dict[str, dict[str, str]], note_payload: dict[str, Any]
) -> dict[str, Any]:
    """A note posted by the integration key: the response body."""
    response = client.post("/v1/notes", json=note_payload, headers=auth["integration"])
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def by_code(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The suggestions of a response, by code."""
    return {s["code"]: s for s in body["suggestions"]}


@pytest.fixture
def suggestion_ids(posted: dict[str, Any]) -> dict[str, int]:
    """Suggestion ids of the posted note, by code."""
    return {code: s["id"] for code, s in by_code(posted).items()}
