"""Access control: every route needs a key of an allowed role; keys are audited; rate limits."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import keys
from app.audit import Actor
from app.main import create_app
from app.security import Role
from app.settings import Settings

Auth = dict[str, dict[str, str]]
ALL = {"integration", "coder", "analyst", "admin"}

# (method, path template, roles allowed); {note} and {sid} are filled per test
ROUTES: list[tuple[str, str, set[str]]] = [
    ("POST", "/v1/notes", {"integration"}),
    ("POST", "/v1/notes:batch", {"integration"}),
    ("POST", "/fhir/DocumentReference", {"integration"}),
    ("GET", "/v1/notes/{note}", {"integration", "coder", "analyst"}),
    ("GET", "/v1/notes/{note}/suggestions", {"integration", "coder", "analyst"}),
    ("GET", "/v1/notes/{note}/fhir", {"integration", "coder", "analyst"}),
    ("GET", "/v1/notes/{note}/final", {"integration", "coder", "analyst"}),
    ("GET", "/v1/notes/{note}/audit", {"coder", "analyst", "admin"}),
    ("POST", "/v1/notes/{note}/erase", {"admin"}),
    ("GET", "/v1/audit", {"analyst", "admin"}),
    ("GET", "/v1/worklist", {"coder", "analyst"}),
    ("POST", "/v1/suggestions/{sid}/decision", {"coder"}),
    ("POST", "/v1/notes/{note}/codes", {"coder"}),
    ("POST", "/v1/notes/{note}/finalize", {"coder"}),
    ("POST", "/v1/notes/{note}/reopen", {"coder"}),
    ("GET", "/v1/codes/search?q=diabetes", {"coder", "analyst"}),
    ("GET", "/v1/codes/ICD-10-CM/I10", {"coder", "analyst"}),
    ("GET", "/v1/keys", {"admin"}),
    ("POST", "/v1/keys", {"admin"}),
    ("DELETE", "/v1/keys/999", {"admin"}),
    ("GET", "/v1/me", ALL),
    ("GET", "/ready", ALL),
    ("GET", "/metrics", ALL),
]


@pytest.mark.parametrize(("method", "template", "allowed"), ROUTES)
def test_role_matrix(
    client: TestClient,
    auth: Auth,
    posted: dict[str, Any],
    method: str,
    template: str,
    allowed: set[str],
) -> None:
    path = template.format(note=posted["id"], sid=posted["suggestions"][0]["id"])
    assert client.request(method, path).status_code == 401
    bad = {"Authorization": "Bearer cac_nothere_secret"}
    assert client.request(method, path, headers=bad).status_code == 401
    for role in ALL:
        # an empty JSON body: a 422 shows the role got past the access check
        response = client.request(method, path, headers=auth[role], json={})
        if role in allowed:
            assert response.status_code not in (401, 403), (role, response.text)
        else:
            assert response.status_code == 403, (role, response.status_code)
            assert "may not do this" in response.json()["error"]["message"]


def test_every_route_is_in_the_matrix(app: Any) -> None:
    listed = {(m, t.split("?")[0]) for m, t, _ in ROUTES}
    paths = app.openapi()["paths"]
    assert len(paths) >= 18
    for path, operations in paths.items():
        if path == "/health":
            continue
        for method in operations:
            shaped = (
                path.replace("{note_id}", "{note}")
                .replace("{suggestion_id}", "{sid}")
                .replace("{key_id}", "999")
                .replace("{system}/{code}", "ICD-10-CM/I10")
            )
            assert (method.upper(), shaped) in listed, (method, path)


def test_health_needs_no_key(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "cac_x_y", "Bearer   "])
def test_malformed_authorization_is_401(client: TestClient, header: str) -> None:
    response = client.get("/v1/worklist", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_admin_manages_keys_and_every_change_is_audited(client: TestClient, auth: Auth) -> None:
    created = client.post(
        "/v1/keys", json={"name": "emr feed", "role": "integration"}, headers=auth["admin"]
    )
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("cac_")
    listed = client.get("/v1/keys", headers=auth["admin"]).json()
    assert all("key" not in row and "key_hash" not in row for row in listed)
    mine = {"Authorization": f"Bearer {key}"}
    assert client.get("/v1/notes/1", headers=mine).status_code == 404  # authenticated
    revoked = client.delete(f"/v1/keys/{created.json()['id']}", headers=auth["admin"])
    assert revoked.json()["revoked_at"] is not None
    assert client.get("/v1/notes/1", headers=mine).status_code == 401
    assert (
        client.post(
            "/v1/keys", json={"name": "x", "role": "root"}, headers=auth["admin"]
        ).status_code
        == 422
    )


def test_key_changes_in_audit_log(app: Any, client: TestClient, auth: Auth) -> None:
    from app import audit

    created = client.post("/v1/keys", json={"name": "n", "role": "coder"}, headers=auth["admin"])
    key_id = created.json()["id"]
    client.delete(f"/v1/keys/{key_id}", headers=auth["admin"])
    with app.state.runtime.sessions() as session:
        events = audit.for_entity(session, "api_key", key_id)
    assert [e.action for e in events] == ["key.create", "key.revoke"]
    assert events[0].actor == "test admin"
    assert events[1].before == {**(events[1].after or {}), "revoked": False}
    assert (events[1].after or {})["revoked"] is True
    assert all("key_hash" not in (e.after or {}) for e in events)


def test_keys_are_stored_as_hmac_only(app: Any, auth: Auth) -> None:
    from sqlalchemy import select

    from app.tables import ApiKey

    presented = auth["coder"]["Authorization"].split()[1]
    with app.state.runtime.sessions() as session:
        hashes = list(session.scalars(select(ApiKey.key_hash)))
    assert presented not in hashes
    assert all(len(h) == 64 for h in hashes)


def test_rate_limit_per_key(settings: Settings, fakes: Any) -> None:
    limited = settings.model_copy(update={"rate_limit_burst": 3, "rate_limit_per_second": 0.01})
    app = create_app(limited, coder=fakes.FakeCoder(), codesets=fakes.FakeCodeSets())
    runtime = app.state.runtime
    operator = Actor(name="test", role="operator")
    with runtime.sessions() as session:
        _, first = keys.create_key(
            session, secret=runtime.secret, name="a", role=Role.CODER, actor=operator
        )
        _, second = keys.create_key(
            session, secret=runtime.secret, name="b", role=Role.CODER, actor=operator
        )
    with TestClient(app) as client:
        codes = [
            client.get("/v1/worklist", headers={"Authorization": f"Bearer {first}"}).status_code
            for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        refused = client.get("/v1/worklist", headers={"Authorization": f"Bearer {first}"})
        assert int(refused.headers["Retry-After"]) >= 1
        # the bucket is per key: another key is unaffected
        other = client.get("/v1/worklist", headers={"Authorization": f"Bearer {second}"})
        assert other.status_code == 200
