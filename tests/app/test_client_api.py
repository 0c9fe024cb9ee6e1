"""What the web client asks of the API: who is signed in, worklist sorting and filters, note
sections, timestamps with their offset, the code picker's search, and their OpenAPI entries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.routes.me import PERMISSIONS
from app.security import Role

Auth = dict[str, dict[str, str]]

# One request per permission: any answer but 403 means the role may do it.
PROBES: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "notes:create": ("POST", "/v1/notes", {}),
    "notes:read": ("GET", "/v1/notes/999999", None),
    "worklist:read": ("GET", "/v1/worklist", None),
    "codes:search": ("GET", "/v1/codes/search?q=asthma", None),
    "suggestions:decide": ("POST", "/v1/suggestions/999999/decision", {"action": "accept"}),
    "notes:finalize": ("POST", "/v1/notes/999999/finalize", None),
    "notes:history": ("GET", "/v1/notes/999999/audit", None),
    "audit:read": ("GET", "/v1/audit", None),
    "keys:manage": ("GET", "/v1/keys", None),
    "notes:erase": ("POST", "/v1/notes/999999/erase", {"reason": "probe"}),
}


def test_every_permission_has_a_probe() -> None:
    assert {p for granted in PERMISSIONS.values() for p in granted} == set(PROBES)


@pytest.mark.parametrize("role", list(Role))
def test_me_names_the_key_and_what_its_role_may_do(
    client: TestClient, make_auth: Any, role: Role
) -> None:
    headers = make_auth(role, f"{role.value}-me")
    me = client.get("/v1/me", headers=headers)
    assert me.status_code == 200, me.text
    body = me.json()
    assert body == {
        "name": f"{role.value}-me",
        "role": role.value,
        "permissions": body["permissions"],
    }
    for permission, (method, path, payload) in PROBES.items():
        status = client.request(method, path, json=payload, headers=headers).status_code
        assert (status != 403) == (permission in body["permissions"]), (permission, status)


def test_me_needs_a_key(client: TestClient) -> None:
    assert client.get("/v1/me").status_code == 401


def _post(client: TestClient, auth: Auth, **note: Any) -> int:
    body = {"text": "Hypertension.", "setting": "outpatient", **note}
    response = client.post("/v1/notes", json=body, headers=auth["integration"])
    assert response.status_code == 201, response.text
    note_id: int = response.json()["id"]
    return note_id


@pytest.fixture
def three(client: TestClient, auth: Auth) -> dict[str, int]:
    """Three notes, posted oldest first, with 1, 3 and 2 suggestions."""
    return {
        "A": _post(client, auth, encounter_id="ENC-a1", date_of_service="2025-02-10"),
        "B": _post(
            client,
            auth,
            encounter_id="ENC-B2",
            text="Type 2 diabetes. Hypertension. Office visit.",
            date_of_service="2025-01-10",
        ),
        "C": _post(
            client, auth, encounter_id="X_3", text="Type 1 diabetes. Hypertension."
        ),  # no date of service
    }


def _order(client: TestClient, auth: Auth, three: dict[str, int], **query: Any) -> str:
    page = client.get("/v1/worklist", params=query, headers=auth["coder"])
    assert page.status_code == 200, page.text
    names = {note_id: name for name, note_id in three.items()}
    return "".join(names[item["note_id"]] for item in page.json()["items"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, "ABC"),  # oldest first
        ({"sort": "age", "order": "desc"}, "ABC"),
        ({"sort": "age", "order": "asc"}, "CBA"),
        ({"sort": "date_of_service", "order": "asc"}, "BAC"),  # no date: last either way
        ({"sort": "date_of_service"}, "ABC"),
        ({"sort": "suggestions"}, "BCA"),
        ({"sort": "suggestions", "order": "asc"}, "ACB"),
        ({"sort": "pending", "order": "desc"}, "BCA"),
        ({"sort": "encounter_id", "order": "asc"}, "ABC"),
        ({"sort": "encounter_id", "order": "desc"}, "CBA"),
        ({"encounter": "enc-"}, "AB"),
        ({"encounter": "b2", "sort": "suggestions"}, "B"),
        ({"encounter": "_"}, "C"),  # a LIKE wildcard is taken literally
        ({"encounter": "%"}, ""),
        ({"sort": "suggestions", "limit": 1, "offset": 1}, "C"),
    ],
)
def test_worklist_sorts_and_filters(
    client: TestClient,
    auth: Auth,
    three: dict[str, int],
    query: dict[str, Any],
    expected: str,
) -> None:
    assert _order(client, auth, three, **query) == expected


def test_worklist_total_counts_the_filtered_notes(
    client: TestClient, auth: Auth, three: dict[str, int]
) -> None:
    page = client.get(
        "/v1/worklist", params={"encounter": "ENC", "limit": 1}, headers=auth["coder"]
    ).json()
    assert page["total"] == 2
    assert len(page["items"]) == 1
    assert 0 <= page["items"][0]["age_seconds"] < 600


@pytest.mark.parametrize("query", [{"sort": "name"}, {"order": "up"}, {"encounter": "x" * 129}])
def test_worklist_bad_sort_is_422(client: TestClient, auth: Auth, query: dict[str, Any]) -> None:
    assert client.get("/v1/worklist", params=query, headers=auth["coder"]).status_code == 422


SECTIONED = (
    "CHIEF COMPLAINT:\nFollow-up.\n\nHISTORY OF PRESENT ILLNESS:\nType 2 diabetes.\n\n"
    "Assessment and Plan:\nHypertension, stable.\n"
)


def test_a_note_comes_with_its_sections(client: TestClient, auth: Auth) -> None:
    note_id = _post(client, auth, text=SECTIONED)
    body = client.get(f"/v1/notes/{note_id}", headers=auth["coder"]).json()
    text = body["text"]
    sections = body["sections"]
    assert [s["title"] for s in sections] == [
        "CHIEF COMPLAINT",
        "HISTORY OF PRESENT ILLNESS",
        "Assessment and Plan",
    ]
    assert [s["name"] for s in sections] == [
        "chief_complaint",
        "history_of_present_illness",
        "assessment_and_plan",
    ]
    for section, after in zip(sections, [*sections[1:], None], strict=True):
        assert text[section["start"] : section["header_end"]].startswith(section["title"])
        assert section["end"] == (after["start"] if after else len(text))
    plain = _post(client, auth, text="Hypertension, stable.", encounter_id="plain")
    assert client.get(f"/v1/notes/{plain}", headers=auth["coder"]).json()["sections"] == []


_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)$")
_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_every_timestamp_has_its_utc_offset(client: TestClient, auth: Auth) -> None:
    note_id = _post(client, auth, text="Hypertension.", encounter_id="T-1")
    [suggestion] = client.get(f"/v1/notes/{note_id}/suggestions", headers=auth["coder"]).json()[
        "suggestions"
    ]
    client.post(
        f"/v1/suggestions/{suggestion['id']}/decision",
        json={"action": "accept"},
        headers=auth["coder"],
    )
    final = client.post(f"/v1/notes/{note_id}/finalize", headers=auth["coder"])
    assert final.status_code == 200, final.text
    created = client.post(
        "/v1/keys", json={"name": "later", "role": "coder"}, headers=auth["admin"]
    ).json()
    client.delete(f"/v1/keys/{created['id']}", headers=auth["admin"])
    bodies = [
        final.json(),
        created,
        client.get(f"/v1/notes/{note_id}", headers=auth["coder"]).json(),
        client.get(f"/v1/notes/{note_id}/final", headers=auth["coder"]).json(),
        client.get(f"/v1/notes/{note_id}/audit", headers=auth["coder"]).json(),
        client.get("/v1/worklist", params={"status": "finalized"}, headers=auth["coder"]).json(),
        client.get("/v1/keys", headers=auth["admin"]).json(),
    ]
    stamps = [s for body in bodies for s in _strings(body) if _DATE_TIME.match(s)]
    assert len(stamps) >= 8  # created_at, finalized_at, revoked_at, audit "at"s, ...
    assert [s for s in stamps if not _STAMP.match(s)] == []


def test_code_search_can_keep_only_billable_codes(client: TestClient, auth: Auth) -> None:
    def codes(**query: Any) -> list[str]:
        response = client.get("/v1/codes/search", params=query, headers=auth["coder"])
        assert response.status_code == 200, response.text
        return [hit["code"] for hit in response.json()]

    every = codes(q="diabetes", limit=50)
    billable = codes(q="diabetes", limit=50, billable_only=True)
    assert set(billable) < set(every)
    assert "E11" in every and "E11" not in billable


def test_the_openapi_documents_the_client_features(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    me = spec["paths"]["/v1/me"]["get"]
    assert me["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("MeOut")
    schemas = spec["components"]["schemas"]
    assert schemas["MeOut"]["examples"][0]["role"] == "coder"
    params = {p["name"]: p for p in spec["paths"]["/v1/worklist"]["get"]["parameters"]}
    assert set(params["sort"]["schema"]["enum"]) == {
        "age",
        "date_of_service",
        "suggestions",
        "pending",
        "encounter_id",
    }
    assert params["sort"]["schema"]["examples"] == ["date_of_service"]
    assert set(params["order"]["schema"]["enum"]) == {"asc", "desc"}
    assert "encounter" in params
    search = {p["name"]: p for p in spec["paths"]["/v1/codes/search"]["get"]["parameters"]}
    assert search["q"]["schema"]["examples"] == ["e11.4", "diab neuro"]
    assert "billable_only" in search
    assert schemas["SectionOut"]["examples"]
    assert "sections" in schemas["NoteOut"]["properties"]
    stamp = schemas["WorklistItem"]["properties"]["created_at"]
    assert stamp["format"] == "date-time"
    assert stamp["examples"][0].endswith("Z")
