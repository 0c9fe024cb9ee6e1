"""POST/GET notes: coding, idempotency, batch, bad input and pipeline failures."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.deps import get_coder

Auth = dict[str, dict[str, str]]


def test_post_note_returns_id_status_and_suggestions(posted: dict[str, Any]) -> None:
    assert isinstance(posted["id"], int)
    assert posted["status"] == "needs_review"
    assert posted["replayed"] is False
    codes = {(s["system"], s["code"]) for s in posted["suggestions"]}
    assert codes == {("ICD-10-CM", "E11.9"), ("ICD-10-CM", "I10"), ("CPT", "99213")}
    for suggestion in posted["suggestions"]:
        assert suggestion["status"] == "needs_review"
        assert isinstance(suggestion["id"], int)
        assert suggestion["evidence"][0]["text"]


def test_evidence_offsets_index_the_stored_text(
    client: TestClient, auth: Auth, posted: dict[str, Any]
) -> None:
    note = client.get(f"/v1/notes/{posted['id']}", headers=auth["coder"]).json()
    for suggestion in posted["suggestions"]:
        for span in suggestion["evidence"]:
            assert note["text"][span["start"] : span["end"]] == span["text"]


def test_get_note_returns_metadata(
    client: TestClient, auth: Auth, posted: dict[str, Any], note_payload: dict[str, Any]
) -> None:
    response = client.get(f"/v1/notes/{posted['id']}", headers=auth["integration"])
    assert response.status_code == 200
    note = response.json()
    for field in ("text", "encounter_id", "patient_ref", "note_type", "setting", "specialty"):
        assert note[field] == note_payload[field]
    assert note["date_of_service"] == "2025-03-14"
    assert len(note["content_hash"]) == 64


def test_get_suggestions_includes_versions(
    client: TestClient, auth: Auth, posted: dict[str, Any]
) -> None:
    body = client.get(f"/v1/notes/{posted['id']}/suggestions", headers=auth["analyst"]).json()
    assert body["versions"]["icd10cm"] == "2025"
    assert body["versions"]["model"] == "fake-1"
    assert [s["id"] for s in body["suggestions"]] == [s["id"] for s in posted["suggestions"]]
    assert body["added_codes"] == []


@pytest.mark.parametrize("path", ["/v1/notes/999999", "/v1/notes/999999/suggestions"])
def test_unknown_note_is_404(client: TestClient, auth: Auth, path: str) -> None:
    response = client.get(path, headers=auth["coder"])
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "note_not_found"


def test_idempotency_key_returns_the_first_result(
    client: TestClient, auth: Auth, note_payload: dict[str, Any]
) -> None:
    headers = {**auth["integration"], "Idempotency-Key": "req-42"}
    first = client.post("/v1/notes", json=note_payload, headers=headers)
    again = client.post("/v1/notes", json=note_payload, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["replayed"] is True
    assert [s["id"] for s in again.json()["suggestions"]] == [
        s["id"] for s in first.json()["suggestions"]
    ]


def test_idempotency_key_reused_for_other_note_is_409(
    client: TestClient, auth: Auth, note_payload: dict[str, Any]
) -> None:
    headers = {**auth["integration"], "Idempotency-Key": "req-43"}
    assert client.post("/v1/notes", json=note_payload, headers=headers).status_code == 201
    other = {**note_payload, "text": "Asthma follow-up."}
    response = client.post("/v1/notes", json=other, headers=headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"


def test_same_encounter_and_text_returns_existing_note(
    client: TestClient, auth: Auth, note_payload: dict[str, Any], posted: dict[str, Any]
) -> None:
    again = client.post("/v1/notes", json=note_payload, headers=auth["integration"])
    assert again.status_code == 200
    assert again.json()["id"] == posted["id"]
    changed = client.post(
        "/v1/notes",
        json={**note_payload, "text": note_payload["text"] + " Walker issued."},
        headers=auth["integration"],
    )
    assert changed.status_code == 201
    assert changed.json()["id"] != posted["id"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"text": ""}, "text", "empty or whitespace only"),
        ({"text": " \n\t "}, "text", "empty or whitespace only"),
        ({"date_of_service": "2025-02-30"}, "date_of_service", "date"),
        ({"date_of_service": "yesterday"}, "date_of_service", "date"),
        ({"setting": "ambulance"}, "setting", "outpatient"),
        ({"colour": "blue"}, "colour", "Extra inputs"),
    ],
)
def test_bad_note_is_422_naming_the_field(
    client: TestClient,
    auth: Auth,
    note_payload: dict[str, Any],
    change: dict[str, Any],
    field: str,
    message: str,
) -> None:
    response = client.post(
        "/v1/notes", json={**note_payload, **change}, headers=auth["integration"]
    )
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"][-1] == field
    assert message in detail["msg"]


def test_missing_text_is_422(client: TestClient, auth: Auth) -> None:
    response = client.post("/v1/notes", json={"encounter_id": "x"}, headers=auth["integration"])
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "text"]


def test_note_over_size_limit_is_413(
    client: TestClient, auth: Auth, note_payload: dict[str, Any]
) -> None:
    # settings fixture: max_note_chars=5000, max_body_bytes=50000
    response = client.post(
        "/v1/notes",
        json={**note_payload, "text": "hypertension " * 500},
        headers=auth["integration"],
    )
    assert response.status_code == 413
    assert "limit is 5000" in response.json()["error"]["message"]


def test_body_over_request_limit_is_413(client: TestClient, auth: Auth) -> None:
    response = client.post(
        "/v1/notes",
        content=b'{"text": "' + b"a" * 60_000 + b'"}',
        headers={**auth["integration"], "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


class _BrokenCoder:
    def code(self, text: str, **_: Any) -> Any:
        raise RuntimeError(f"pipeline crashed on {text!r}")


def test_pipeline_failure_is_500_with_correlation_id_and_writes_nothing(
    app: Any, client: TestClient, auth: Auth, note_payload: dict[str, Any]
) -> None:
    app.dependency_overrides[get_coder] = _BrokenCoder
    response = client.post("/v1/notes", json=note_payload, headers=auth["integration"])
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["correlation_id"] == response.headers["X-Request-ID"]
    assert note_payload["text"] not in response.text
    app.dependency_overrides.clear()
    # the service is still up and nothing of the failed note was stored
    assert client.get("/health").status_code == 200
    page = client.get("/v1/worklist", headers=auth["coder"]).json()
    assert page["total"] == 0


def test_batch_reports_each_item(
    client: TestClient, auth: Auth, note_payload: dict[str, Any]
) -> None:
    batch = {
        "notes": [
            {"note": note_payload},
            {"note": {**note_payload, "text": "   "}},
            {
                "note": {**note_payload, "encounter_id": "ENC-2", "text": "Walker for gait."},
                "idempotency_key": "b-1",
            },
            {"note": {**note_payload, "encounter_id": "ENC-3", "date_of_service": "2025-13-01"}},
            {"note": {**note_payload, "text": "x" * 5001}},
        ]
    }
    response = client.post("/v1/notes:batch", json=batch, headers=auth["integration"])
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 422, 201, 422, 413]
    assert results[2]["note"]["suggestions"][0]["code"] == "E0130"
    assert "text" in results[1]["error"]["message"]
    assert "date_of_service" in results[3]["error"]["message"]
    again = client.post(
        "/v1/notes:batch", json={"notes": batch["notes"][:1]}, headers=auth["integration"]
    )
    assert again.json()["results"][0]["status"] == 200


def test_batch_survives_a_pipeline_failure(
    app: Any, client: TestClient, auth: Auth, note_payload: dict[str, Any]
) -> None:
    app.dependency_overrides[get_coder] = _BrokenCoder
    response = client.post(
        "/v1/notes:batch", json={"notes": [{"note": note_payload}]}, headers=auth["integration"]
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == 500


def test_batch_over_limit_is_413(
    client: TestClient, auth: Auth, note_payload: dict[str, Any]
) -> None:
    notes = [{"note": {**note_payload, "encounter_id": f"E{i}"}} for i in range(6)]
    response = client.post("/v1/notes:batch", json={"notes": notes}, headers=auth["integration"])
    assert response.status_code == 413
