"""FHIR in (DocumentReference) and out (Bundle of Condition/Procedure/ChargeItem), round trip."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

Auth = dict[str, dict[str, str]]
TEXT = "Office visit. Type 2 diabetes mellitus. Hypertension. Walker dispensed."


def document(text: str = TEXT, **change: Any) -> dict[str, Any]:
    """A DocumentReference as an EHR sends it."""
    doc: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "status": "current",
        "type": {
            "coding": [
                {"system": "http://loinc.org", "code": "11506-3", "display": "Progress note"}
            ]
        },
        "subject": {"reference": "Patient/PT-9"},
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64.b64encode(text.encode()).decode(),
                }
            }
        ],
        "context": {
            "encounter": [{"identifier": {"value": "ENC-F1"}}],
            "period": {"start": "2025-04-02T09:30:00Z"},
            "practiceSetting": {"text": "family medicine"},
        },
    }
    doc.update(change)
    return doc


def test_document_reference_round_trip(client: TestClient, auth: Auth) -> None:
    posted = client.post("/fhir/DocumentReference", json=document(), headers=auth["integration"])
    assert posted.status_code == 201, posted.text
    note_id = posted.json()["id"]
    note = client.get(f"/v1/notes/{note_id}", headers=auth["coder"]).json()
    assert note["text"] == TEXT
    assert (note["encounter_id"], note["patient_ref"]) == ("ENC-F1", "PT-9")
    assert (note["date_of_service"], note["note_type"]) == ("2025-04-02", "Progress note")
    assert (note["specialty"], note["source"]) == ("family medicine", "fhir")
    for s in posted.json()["suggestions"]:
        client.post(
            f"/v1/suggestions/{s['id']}/decision", json={"action": "accept"}, headers=auth["coder"]
        )
    response = client.get(f"/v1/notes/{note_id}/fhir", headers=auth["integration"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate_json(response.content)  # the FHIR library validates it
    assert bundle.type == "collection"
    found = {}
    for entry in response.json()["entry"]:
        resource = entry["resource"]
        coding = resource["code"]["coding"][0]
        found[coding["code"]] = (resource["resourceType"], coding["system"])
        assert resource["subject"]["identifier"]["value"] == "PT-9"
    assert found == {
        "E11.9": ("Condition", "http://hl7.org/fhir/sid/icd-10-cm"),
        "I10": ("Condition", "http://hl7.org/fhir/sid/icd-10-cm"),
        "99213": ("Procedure", "http://www.ama-assn.org/go/cpt"),
        "E0130": ("ChargeItem", "urn:oid:2.16.840.1.113883.6.285"),
    }


def test_bundle_holds_only_accepted_codes(
    client: TestClient, auth: Auth, posted: dict[str, Any]
) -> None:
    ids = {s["code"]: s["id"] for s in posted["suggestions"]}
    client.post(
        f"/v1/suggestions/{ids['I10']}/decision", json={"action": "accept"}, headers=auth["coder"]
    )
    client.post(
        f"/v1/suggestions/{ids['E11.9']}/decision",
        json={"action": "modify", "code": "E11.42", "reason": "neuropathy"},
        headers=auth["coder"],
    )
    client.post(
        f"/v1/suggestions/{ids['99213']}/decision",
        json={"action": "reject", "reason": "no"},
        headers=auth["coder"],
    )
    response = client.get(f"/v1/notes/{posted['id']}/fhir", headers=auth["analyst"])
    Bundle.model_validate_json(response.content)
    resources = [e["resource"] for e in response.json()["entry"]]
    codes = sorted(r["code"]["coding"][0]["code"] for r in resources)
    assert codes == ["E11.42", "I10"]
    descriptions = {r["code"]["coding"][0]["code"]: r["code"]["text"] for r in resources}
    assert descriptions["E11.42"] == "Type 2 diabetes mellitus with diabetic polyneuropathy"


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"resourceType": "Patient"}, "resourceType"),
        (document(status=None), "status"),
        (document(content=[]), "content"),
        (
            document(content=[{"attachment": {"contentType": "application/pdf", "data": "AA=="}}]),
            "content: no attachment with contentType text/plain",
        ),
        (
            document(content=[{"attachment": {"contentType": "text/plain"}}]),
            "content[0].attachment.data",
        ),
        (
            document(
                content=[
                    {
                        "attachment": {
                            "contentType": "text/plain",
                            "data": base64.b64encode(b"\xff\xfe").decode(),
                        }
                    }
                ]
            ),
            "content[0].attachment.data",
        ),
        (document(text="   "), "content[0].attachment.data"),
        (document(context={"period": {"start": "2025-02-30"}}), "context.period.start"),
    ],
)
def test_malformed_fhir_is_422_naming_the_field(
    client: TestClient, auth: Auth, doc: dict[str, Any], field: str
) -> None:
    body = {k: v for k, v in doc.items() if v is not None}
    response = client.post("/fhir/DocumentReference", json=body, headers=auth["integration"])
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_fhir"
    assert error["message"].startswith(field), error["message"]


def test_fhir_post_is_idempotent(client: TestClient, auth: Auth) -> None:
    first = client.post("/fhir/DocumentReference", json=document(), headers=auth["integration"])
    again = client.post("/fhir/DocumentReference", json=document(), headers=auth["integration"])
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
