"""Review: worklist, decisions, added codes, conflicts, finalize/reopen and the audit trail."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.security import Role

Auth = dict[str, dict[str, str]]


def _decide(client: TestClient, auth: Auth, sid: int, **body: Any) -> Any:
    return client.post(f"/v1/suggestions/{sid}/decision", json=body, headers=auth["coder"])


def _decide_all(client: TestClient, auth: Auth, ids: dict[str, int]) -> None:
    for sid in ids.values():
        assert _decide(client, auth, sid, action="accept").status_code == 200


def test_accept_reject_modify(
    client: TestClient, auth: Auth, suggestion_ids: dict[str, int]
) -> None:
    accepted = _decide(client, auth, suggestion_ids["I10"], action="accept")
    assert accepted.status_code == 200
    assert accepted.json()["decision"] == {"status": "accepted", "code": None, "reason": None}
    rejected = _decide(client, auth, suggestion_ids["99213"], action="reject", reason="no visit")
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["decision"]["reason"] == "no visit"
    modified = _decide(
        client,
        auth,
        suggestion_ids["E11.9"],
        action="modify",
        code="E11.42",
        reason="polyneuropathy documented",
    )
    assert modified.status_code == 200
    assert modified.json()["decision"]["code"] == "E11.42"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"action": "reject"}, "reason is required to reject"),
        ({"action": "reject", "reason": "   "}, "reason is required to reject"),
        ({"action": "modify", "reason": "x"}, "code is required"),
        ({"action": "modify", "code": "E11.42"}, "reason is required to modify"),
        ({"action": "accept", "code": "E11.42"}, "only allowed with action 'modify'"),
        ({"action": "approve"}, "accept"),
    ],
)
def test_incomplete_decision_is_422(
    client: TestClient,
    auth: Auth,
    suggestion_ids: dict[str, int],
    body: dict[str, Any],
    message: str,
) -> None:
    response = _decide(client, auth, suggestion_ids["E11.9"], **body)
    assert response.status_code == 422
    assert message in response.text


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        ("E11.99", 422, "not in"),
        ("E11.4", 422, "not billable"),
        ("Z00.00", 422, "coded with 2025"),
        ("E11.9", 422, "different from the suggestion"),
        ("E10.9", 409, "Excludes1"),
    ],
)
def test_modify_checks_code_set_and_rules(
    client: TestClient,
    auth: Auth,
    suggestion_ids: dict[str, int],
    code: str,
    status: int,
    message: str,
) -> None:
    if status == 409:  # E10.9 conflicts with an accepted E11 code: accept one first
        _decide(client, auth, suggestion_ids["E11.9"], action="accept")
        response = _decide(
            client, auth, suggestion_ids["I10"], action="modify", code=code, reason="r"
        )
    else:
        response = _decide(
            client, auth, suggestion_ids["E11.9"], action="modify", code=code, reason="r"
        )
    assert response.status_code == status, response.text
    assert message in response.json()["error"]["message"]


def test_excludes1_pair_both_accepted_is_409(
    client: TestClient, auth: Auth, note_payload: dict[str, Any]
) -> None:
    text = "Type 2 diabetes noted; old chart says type 1 diabetes."
    body = client.post(
        "/v1/notes", json={**note_payload, "text": text}, headers=auth["integration"]
    ).json()
    ids = {s["code"]: s["id"] for s in body["suggestions"]}
    assert _decide(client, auth, ids["E11.9"], action="accept").status_code == 200
    response = _decide(client, auth, ids["E10.9"], action="accept")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "decision_conflict"
    assert "E10.9 and E11.9 cannot both be coded" in error["message"]
    assert "(E10.-)" in error["message"] or "(E11.-)" in error["message"]
    # rejecting the other code resolves it
    assert (
        _decide(client, auth, ids["E10.9"], action="reject", reason="history only").status_code
        == 200
    )


def test_unknown_suggestion_is_404(client: TestClient, auth: Auth) -> None:
    assert _decide(client, auth, 99999, action="accept").status_code == 404


def test_add_code_with_evidence(
    client: TestClient, auth: Auth, posted: dict[str, Any], note_payload: dict[str, Any]
) -> None:
    start = note_payload["text"].index("Hypertension")
    span = {"start": start, "end": start + 12, "text": "Hypertension"}
    response = client.post(
        f"/v1/notes/{posted['id']}/codes",
        json={"system": "ICD-10-CM", "code": "J45.909", "reason": "in history", "evidence": span},
        headers=auth["coder"],
    )
    assert response.status_code == 201, response.text
    assert response.json()["evidence"]["text"] == "Hypertension"
    view = client.get(f"/v1/notes/{posted['id']}/suggestions", headers=auth["coder"]).json()
    assert [a["code"] for a in view["added_codes"]] == ["J45.909"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"system": "SNOMED", "code": "123"}, 422, "unknown code system"),
        ({"system": "ICD-10-CM", "code": "Q99.9"}, 422, "not in"),
        (
            {"system": "ICD-10-CM", "code": "J45.909", "evidence": {"start": 5, "end": 2}},
            422,
            "outside the note",
        ),
        (
            {"system": "ICD-10-CM", "code": "J45.909", "evidence": {"start": 0, "end": 9999}},
            422,
            "outside the note",
        ),
        (
            {
                "system": "ICD-10-CM",
                "code": "J45.909",
                "evidence": {"start": 0, "end": 6, "text": "nope"},
            },
            422,
            "does not match",
        ),
        ({"system": "icd10cm", "code": "I10"}, 409, "already coded"),
    ],
)
def test_bad_added_code(
    client: TestClient,
    auth: Auth,
    posted: dict[str, Any],
    suggestion_ids: dict[str, int],
    body: dict[str, Any],
    status: int,
    message: str,
) -> None:
    _decide(client, auth, suggestion_ids["I10"], action="accept")
    response = client.post(f"/v1/notes/{posted['id']}/codes", json=body, headers=auth["coder"])
    assert response.status_code == status, response.text
    assert message in response.json()["error"]["message"]


def test_finalize_needs_every_decision(
    client: TestClient, auth: Auth, posted: dict[str, Any], suggestion_ids: dict[str, int]
) -> None:
    _decide(client, auth, suggestion_ids["I10"], action="accept")
    response = client.post(f"/v1/notes/{posted['id']}/finalize", headers=auth["coder"])
    assert response.status_code == 409
    assert "2 suggestion(s) without a decision" in response.json()["error"]["message"]


def test_finalize_locks_and_reopen_unlocks(
    client: TestClient, auth: Auth, posted: dict[str, Any], suggestion_ids: dict[str, int]
) -> None:
    note_id = posted["id"]
    _decide(client, auth, suggestion_ids["I10"], action="accept")
    _decide(client, auth, suggestion_ids["99213"], action="reject", reason="not billed")
    _decide(client, auth, suggestion_ids["E11.9"], action="modify", code="E11.42", reason="r")
    final = client.post(f"/v1/notes/{note_id}/finalize", headers=auth["coder"])
    assert final.status_code == 200
    assert final.json()["version"] == 1
    assert {c["code"] for c in final.json()["codes"]} == {"I10", "E11.42"}
    # locked: no decision, no added code, no second finalize
    assert (
        _decide(client, auth, suggestion_ids["I10"], action="reject", reason="x").status_code == 409
    )
    added = client.post(
        f"/v1/notes/{note_id}/codes",
        json={"system": "ICD-10-CM", "code": "J45.909"},
        headers=auth["coder"],
    )
    assert added.status_code == 409
    assert client.post(f"/v1/notes/{note_id}/finalize", headers=auth["coder"]).status_code == 409
    assert (
        client.get(f"/v1/notes/{note_id}/final", headers=auth["integration"]).json()["version"] == 1
    )
    # reopen needs a reason, then changes are allowed and a new version is written
    assert (
        client.post(f"/v1/notes/{note_id}/reopen", json={}, headers=auth["coder"]).status_code
        == 422
    )
    reopened = client.post(
        f"/v1/notes/{note_id}/reopen", json={"reason": "payer query"}, headers=auth["coder"]
    )
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "in_review"
    assert client.get(f"/v1/notes/{note_id}/final", headers=auth["coder"]).status_code == 409
    assert _decide(client, auth, suggestion_ids["99213"], action="accept").status_code == 200
    again = client.post(f"/v1/notes/{note_id}/finalize", headers=auth["coder"])
    assert again.json()["version"] == 2
    assert {c["code"] for c in again.json()["codes"]} == {"I10", "E11.42", "99213"}
    assert (
        client.post(
            f"/v1/notes/{999}/reopen", json={"reason": "x"}, headers=auth["coder"]
        ).status_code
        == 404
    )


def test_reopen_of_open_note_is_409(client: TestClient, auth: Auth, posted: dict[str, Any]) -> None:
    response = client.post(
        f"/v1/notes/{posted['id']}/reopen", json={"reason": "x"}, headers=auth["coder"]
    )
    assert response.status_code == 409


def test_audit_trail_records_actor_time_before_after(
    client: TestClient, auth: Auth, posted: dict[str, Any], suggestion_ids: dict[str, int]
) -> None:
    _decide(client, auth, suggestion_ids["I10"], action="accept")
    _decide(client, auth, suggestion_ids["I10"], action="reject", reason="changed my mind")
    _decide(client, auth, suggestion_ids["99213"], action="reject", reason="no")
    _decide(client, auth, suggestion_ids["E11.9"], action="accept")
    client.post(f"/v1/notes/{posted['id']}/finalize", headers=auth["coder"])
    client.post(f"/v1/notes/{posted['id']}/reopen", json={"reason": "audit"}, headers=auth["coder"])
    events = client.get(f"/v1/notes/{posted['id']}/audit", headers=auth["analyst"]).json()
    actions = [e["action"] for e in events]
    assert actions == [
        "note.create",
        "suggestion.accept",
        "suggestion.reject",
        "suggestion.reject",
        "suggestion.accept",
        "note.finalize",
        "note.reopen",
    ]
    second = events[2]
    assert second["actor"] == "test coder"
    assert second["before"]["status"] == "accepted"
    run_id = events[0]["after"]["run_id"]
    assert second["after"] == {
        "status": "rejected",
        "code": "I10",
        "reason": "changed my mind",
        "run_id": run_id,
    }
    assert events[6]["after"]["reason"] == "audit"
    assert all(e["at"] for e in events)
    assert "text" not in events[0]["after"]


def _post(client: TestClient, auth: Auth, payload: dict[str, Any], **change: Any) -> int:
    response = client.post("/v1/notes", json={**payload, **change}, headers=auth["integration"])
    assert response.status_code == 201
    note_id: int = response.json()["id"]
    return note_id


def test_worklist_filters_and_pages(
    client: TestClient, auth: Auth, make_auth: Any, note_payload: dict[str, Any]
) -> None:
    a = _post(client, auth, note_payload, encounter_id="A", date_of_service="2025-01-10")
    b = _post(
        client,
        auth,
        note_payload,
        encounter_id="B",
        setting="inpatient",
        date_of_service="2025-02-10",
    )
    c = _post(client, auth, note_payload, encounter_id="C", date_of_service="2025-03-10")
    alice = make_auth(Role.CODER, "alice")
    suggestions = client.get(f"/v1/notes/{b}/suggestions", headers=alice).json()["suggestions"]
    client.post(
        f"/v1/suggestions/{suggestions[0]['id']}/decision", json={"action": "accept"}, headers=alice
    )

    def ids(**query: Any) -> list[int]:
        page = client.get("/v1/worklist", params=query, headers=auth["coder"])
        assert page.status_code == 200, page.text
        return [item["note_id"] for item in page.json()["items"]]

    assert ids() == [a, b, c]
    assert ids(setting="inpatient") == [b]
    assert ids(status="in_review") == [b]
    assert ids(status="needs_review") == [a, c]
    assert ids(date_from="2025-02-01") == [b, c]
    assert ids(date_from="2025-02-01", date_to="2025-02-28") == [b]
    assert ids(coder="alice") == [b]
    assert ids(limit=2) == [a, b]
    assert ids(limit=2, offset=2) == [c]
    page = client.get("/v1/worklist", params={"limit": 1}, headers=auth["analyst"]).json()
    assert page["total"] == 3
    item = page["items"][0]
    assert (item["suggestion_count"], item["pending_count"]) == (3, 3)


@pytest.mark.parametrize(
    "query",
    [
        {"status": "done"},
        {"date_from": "2025-13-01"},
        {"limit": 0},
        {"limit": 500},
        {"offset": -1},
        {"date_from": "2025-03-01", "date_to": "2025-01-01"},
    ],
)
def test_worklist_bad_filters_are_422(
    client: TestClient, auth: Auth, query: dict[str, Any]
) -> None:
    assert client.get("/v1/worklist", params=query, headers=auth["coder"]).status_code == 422
