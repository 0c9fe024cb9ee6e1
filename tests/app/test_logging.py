"""Note text and PHI never reach the logs, whatever happens to the request."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.deps import get_coder

Auth = dict[str, dict[str, str]]
SECRET_TEXT = "Zebulon Quarrington has hypertension and an office visit"
PATIENT = "PT-QX-7731"
ENCOUNTER = "ENC-QX-9913"


class _LeakyCoder:
    """Fails with the note text in its message, as a careless pipeline might."""

    def code(self, text: str, **_: Any) -> Any:
        raise ValueError(f"could not parse {text!r}")


@pytest.mark.parametrize("broken", [False, True])
def test_no_note_text_or_identifiers_in_logs(
    app: Any, client: TestClient, auth: Auth, caplog: pytest.LogCaptureFixture, broken: bool
) -> None:
    caplog.set_level(logging.DEBUG)
    if broken:
        app.dependency_overrides[get_coder] = _LeakyCoder
    note = {"text": SECRET_TEXT, "patient_ref": PATIENT, "encounter_id": ENCOUNTER}
    first = client.post("/v1/notes", json=note, headers=auth["integration"])
    client.post(
        "/v1/notes:batch",
        json={"notes": [{"note": note}, {"note": {"text": " "}}]},
        headers=auth["integration"],
    )
    document = {
        "resourceType": "DocumentReference",
        "status": "current",
        "subject": {"identifier": {"value": PATIENT}},
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain",
                    "data": base64.b64encode(SECRET_TEXT.encode()).decode(),
                }
            }
        ],
    }
    client.post("/fhir/DocumentReference", json=document, headers=auth["integration"])
    client.get("/v1/codes/search", params={"q": "Quarrington"}, headers=auth["coder"])
    if not broken:
        note_id = first.json()["id"]
        sid = first.json()["suggestions"][0]["id"]
        client.post(
            f"/v1/suggestions/{sid}/decision",
            json={"action": "reject", "reason": "per Zebulon"},
            headers=auth["coder"],
        )
        client.get(f"/v1/notes/{note_id}", headers=auth["coder"])
    # the test's own HTTP client logs the URLs it calls; everything else is the service
    records = [r for r in caplog.records if not r.name.startswith("httpx")]
    assert records, "the service logged nothing at all"
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in records)
    for secret in ("Zebulon", "Quarrington", PATIENT, ENCOUNTER, "hypertension"):
        assert secret not in logged
    assert "cid=" in logged
