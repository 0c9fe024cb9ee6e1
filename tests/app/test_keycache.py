"""Verified API keys are trusted for CAC_KEY_CACHE_S seconds, and never longer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import keys
from app.audit import Actor
from app.keycache import MAX_ENTRIES, VerifiedKeys
from app.main import create_app
from app.security import Role
from app.settings import Settings

ALICE = Actor(name="alice", role="coder", key_id=1)
BOB = Actor(name="bob", role="coder", key_id=2)
CLI = Actor(name="cli", role="operator")


def test_an_entry_lasts_its_ttl_and_no_longer() -> None:
    cache = VerifiedKeys(0.2)
    cache.put("a", ALICE)
    assert cache.get("a") == ALICE
    assert cache.get("b") is None
    time.sleep(0.25)
    assert cache.get("a") is None


def test_ttl_zero_caches_nothing() -> None:
    cache = VerifiedKeys(0)
    cache.put("a", ALICE)
    assert cache.get("a") is None


def test_forget_drops_only_that_key() -> None:
    cache = VerifiedKeys(60)
    cache.put("a", ALICE)
    cache.put("b", BOB)
    cache.forget(1)
    assert cache.get("a") is None
    assert cache.get("b") == BOB


def test_a_full_cache_starts_afresh() -> None:
    cache = VerifiedKeys(60)
    for index in range(MAX_ENTRIES):
        cache.put(str(index), ALICE)
    cache.put("last", BOB)
    assert cache.get("0") is None
    assert cache.get("last") == BOB


def _app(settings: Settings, fakes: ModuleType, ttl_s: float) -> Any:
    return create_app(
        settings.model_copy(update={"key_cache_s": ttl_s}),
        coder=fakes.FakeCoder(),
        codesets=fakes.FakeCodeSets(),
    )


@pytest.fixture
def cached_app(settings: Settings, fakes: ModuleType) -> Iterator[tuple[Any, TestClient]]:
    app = _app(settings, fakes, 0.5)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield app, client


def _revoke_elsewhere(app: Any, key_id: int) -> None:
    """Revoke as ``cac keys revoke`` does: in the database, not through this process's API."""
    with app.state.runtime.sessions() as session:
        keys.revoke_key(session, key_id=key_id, actor=CLI)


def _new_key(app: Any) -> tuple[int, dict[str, str]]:
    runtime = app.state.runtime
    with runtime.sessions() as session:
        row, plaintext = keys.create_key(
            session, secret=runtime.secret, name="reader", role=Role.ANALYST, actor=CLI
        )
    return row.id, {"Authorization": f"Bearer {plaintext}"}


def test_a_key_revoked_elsewhere_stops_within_the_ttl(
    cached_app: tuple[Any, TestClient],
) -> None:
    app, client = cached_app
    key_id, headers = _new_key(app)
    assert client.get("/v1/me", headers=headers).status_code == 200
    _revoke_elsewhere(app, key_id)
    assert client.get("/v1/me", headers=headers).status_code == 200  # still trusted
    time.sleep(0.6)
    assert client.get("/v1/me", headers=headers).status_code == 401


def test_a_key_revoked_through_the_api_stops_at_once(
    cached_app: tuple[Any, TestClient], key_for: Any
) -> None:
    app, client = cached_app
    admin = key_for(app, Role.ADMIN)
    key_id, headers = _new_key(app)
    assert client.get("/v1/me", headers=headers).status_code == 200
    assert client.delete(f"/v1/keys/{key_id}", headers=admin).status_code == 200
    assert client.get("/v1/me", headers=headers).status_code == 401


def test_without_the_cache_a_revoked_key_stops_at_once(
    settings: Settings, fakes: ModuleType
) -> None:
    app = _app(settings, fakes, 0)
    with TestClient(app, raise_server_exceptions=False) as client:
        key_id, headers = _new_key(app)
        assert client.get("/v1/me", headers=headers).status_code == 200
        _revoke_elsewhere(app, key_id)
        assert client.get("/v1/me", headers=headers).status_code == 401


def test_an_unknown_key_is_never_trusted(cached_app: tuple[Any, TestClient]) -> None:
    app, client = cached_app
    _, headers = _new_key(app)
    forged = {"Authorization": headers["Authorization"][:-4] + "AAAA"}
    assert client.get("/v1/me", headers=forged).status_code == 401
    assert client.get("/v1/me", headers=headers).status_code == 200
    assert client.get("/v1/me", headers=forged).status_code == 401
