"""Health, readiness, metrics, security headers, CORS, code search and lookup."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

Auth = dict[str, dict[str, str]]


def test_ready_when_everything_is_loaded(client: TestClient, auth: Auth) -> None:
    response = client.get("/ready", headers=auth["analyst"])
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "codesets": True, "coder": True}


def test_not_ready_without_a_coder(settings: Settings, fakes: Any) -> None:
    missing = settings.model_copy(update={"coder_factory": "no_such_module_x:load"})
    app = create_app(missing, codesets=fakes.FakeCodeSets())
    from app import keys
    from app.audit import Actor
    from app.security import Role

    runtime = app.state.runtime
    with runtime.sessions() as session:
        _, key = keys.create_key(
            session,
            secret=runtime.secret,
            name="i",
            role=Role.INTEGRATION,
            actor=Actor(name="t", role="operator"),
        )
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(app) as client:
        ready = client.get("/ready", headers=headers)
        assert ready.status_code == 503
        assert ready.json()["checks"]["coder"] is False
        assert "ModuleNotFoundError" in ready.json()["problems"]["coder"]
        posted = client.post("/v1/notes", json={"text": "Hypertension."}, headers=headers)
        assert posted.status_code == 503
        assert client.get("/health").status_code == 200


def test_metrics_exposes_latency_notes_and_suggestions(
    client: TestClient, auth: Auth, posted: dict[str, Any]
) -> None:
    sid = posted["suggestions"][0]["id"]
    client.post(f"/v1/suggestions/{sid}/decision", json={"action": "accept"}, headers=auth["coder"])
    text = client.get("/metrics", headers=auth["admin"]).text
    assert 'cac_notes_coded_total{source="api"} 1.0' in text
    assert "cac_coding_duration_seconds_count 1.0" in text
    assert 'cac_suggestions{status="accepted"} 1.0' in text
    assert 'cac_suggestions{status="needs_review"} 2.0' in text
    assert 'cac_request_duration_seconds_bucket{le="0.005",method="POST",route="/v1/notes"' in text


def test_security_headers(client: TestClient) -> None:
    api = client.get("/health")
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert api.headers["X-Frame-Options"] == "DENY"
    assert api.headers["Content-Security-Policy"].startswith("default-src 'none'")
    ui = client.get("/ui/")
    csp = ui.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert ui.headers["X-Frame-Options"] == "DENY"
    assert ui.headers.get_list("X-Content-Type-Options") == ["nosniff"]


def test_correlation_id_is_echoed_when_safe(client: TestClient) -> None:
    assert (
        client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]
        == "abc-123"
    )
    odd = client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert odd.headers["X-Request-ID"] != "bad id\twith spaces"


def test_cors_is_off_by_default(client: TestClient) -> None:
    preflight = client.options(
        "/v1/notes",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_when_configured(settings: Settings, fakes: Any) -> None:
    allowed = settings.model_copy(update={"cors_origins": ["https://ehr.example"]})
    app = create_app(allowed, coder=fakes.FakeCoder(), codesets=fakes.FakeCodeSets())
    with TestClient(app) as client:
        preflight = client.options(
            "/v1/notes",
            headers={"Origin": "https://ehr.example", "Access-Control-Request-Method": "POST"},
        )
    assert preflight.headers["access-control-allow-origin"] == "https://ehr.example"


def test_code_search_and_lookup(client: TestClient, auth: Auth) -> None:
    hits = client.get(
        "/v1/codes/search",
        params={"q": "type 2 diabetes", "system": "ICD-10-CM"},
        headers=auth["coder"],
    ).json()
    assert "E11.9" in [h["code"] for h in hits]
    assert all(h["system"] == "ICD-10-CM" for h in hits)
    code = client.get("/v1/codes/ICD-10-CM/E11", headers=auth["analyst"]).json()
    assert code["excludes1"][0].endswith("(E10.-)")
    assert code["billable"] is False


def test_code_errors(client: TestClient, auth: Auth) -> None:
    unknown_system = client.get("/v1/codes/SNOMED/123", headers=auth["coder"])
    assert unknown_system.status_code == 422
    assert "unknown code system" in unknown_system.json()["error"]["message"]
    assert client.get("/v1/codes/ICD-10-CM/Q99.9", headers=auth["coder"]).status_code == 404
    assert (
        client.get("/v1/codes/search", params={"q": "  "}, headers=auth["coder"]).status_code == 422
    )
    assert (
        client.get(
            "/v1/codes/search", params={"q": "x", "system": "LOINC"}, headers=auth["coder"]
        ).status_code
        == 422
    )


def test_openapi_documents_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    note_schema = spec["components"]["schemas"]["NoteIn"]
    assert note_schema["examples"][0]["encounter_id"] == "ENC-1001"
    assert "/v1/notes:batch" in spec["paths"]
