"""Security: note text never leaks (errors, metrics, logs), encryption at rest and its key
rotation, erasure on request, audit export, headers and body limits. Each runs on both backends
where a database is involved."""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import text

from app.cli import cli
from app.errors import InvalidRequest
from app.main import create_app
from app.notecrypt import NoteCipher
from app.security import Role
from app.settings import Settings

Auth = dict[str, dict[str, str]]
MARKER = "Xylophrax-Quendle-4471"  # a synthetic string no code path would produce on its own
NOTE = f"Hypertension follow-up. {MARKER} reports type 2 diabetes, stable. Office visit."
RAW_CONTENT = [
    "SELECT text FROM notes",
    "SELECT text FROM evidence",
    "SELECT rationale FROM suggestions",
    "SELECT CAST(details AS TEXT) FROM coding_runs",
    "SELECT evidence_text FROM added_codes",
]


def _raw(app: Any) -> str:
    """Every stored value that holds note content, as the database has it."""
    with app.state.runtime.engine.connect() as connection:
        values = [str(v) for sql in RAW_CONTENT for (v,) in connection.execute(text(sql))]
    return "\n".join(values)


def _post(client: TestClient, auth: Auth, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post("/v1/notes", json=body or {"text": NOTE}, headers=auth["integration"])
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_note_text_never_in_errors_metrics_or_logs(
    client: TestClient, auth: Auth, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bodies = [
        {"text": NOTE, "colour": MARKER},  # unknown field holding the marker
        {"text": NOTE, "setting": MARKER},  # bad enum value
        {"text": NOTE, "date_of_service": MARKER},
        {"text": NOTE * 200},  # over the note size limit
        [NOTE],  # not an object at all
    ]
    answers = [client.post("/v1/notes", json=b, headers=auth["integration"]) for b in bodies]
    first = _post(client, auth, {"text": NOTE, "encounter_id": "E-1"})
    answers.append(
        client.post(
            "/v1/notes", json={"text": NOTE + "!", "encounter_id": "E-1"}, headers=auth["coder"]
        )
    )
    answers.append(
        client.post(
            "/v1/notes:batch",
            json={"notes": [{"note": {"text": NOTE, "colour": MARKER}}]},
            headers=auth["integration"],
        )
    )
    answers.append(
        client.post(
            f"/v1/notes/{first['id']}/codes",
            json={"system": "ICD-10-CM", "code": MARKER, "evidence": {"start": 0, "end": 5}},
            headers=auth["coder"],
        )
    )
    assert {a.status_code for a in answers} >= {403, 413, 422}
    for answer in answers:
        assert MARKER not in answer.text, answer.text
    assert answers[0].json()["error"]["message"].startswith("colour:")
    assert MARKER not in client.get("/metrics", headers=auth["admin"]).text
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert MARKER not in logged
    assert "status=422" in logged


def test_security_headers_on_the_web_client(client: TestClient) -> None:
    page = client.get("/ui/")
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    html = page.text.lower()
    assert "<script>" not in html and " onclick=" not in html  # no inline script to allow


def test_a_streamed_body_over_the_limit_is_refused(client: TestClient, auth: Auth) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(60):  # 60 KB against the 50 KB test limit, with no Content-Length
            yield b"a" * 1024
        yield b'"}'

    response = client.post(
        "/v1/notes",
        content=chunks(),
        headers={**auth["integration"], "Content-Type": "application/json"},
    )
    assert response.status_code == 413


def _keyed(settings: Settings, fakes: Any, keys: list[str]) -> Any:
    update = {"note_keys": SecretStr(",".join(keys)) if keys else None}
    return create_app(
        settings.model_copy(update=update), coder=fakes.FakeCoder(), codesets=fakes.FakeCodeSets()
    )


def test_note_content_is_encrypted_at_rest_and_keys_rotate(
    settings: Settings, fakes: Any, key_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = _keyed(settings, fakes, [old])
    auth = {r.value: key_for(app, r) for r in (Role.INTEGRATION, Role.CODER)}
    with TestClient(app) as client:
        posted = _post(client, auth)
        evidence = posted["suggestions"][0]["evidence"][0]
        added = client.post(
            f"/v1/notes/{posted['id']}/codes",
            json={"system": "ICD-10-CM", "code": "J45.909", "evidence": {"start": 24, "end": 46}},
            headers=auth["coder"],
        )
        assert added.status_code == 201, added.text
        assert added.json()["evidence"]["text"] == NOTE[24:46]
        shown = client.get(f"/v1/notes/{posted['id']}", headers=auth["coder"]).json()
        assert shown["text"] == NOTE
        assert evidence["text"] == NOTE[evidence["start"] : evidence["end"]]
    stored = _raw(app)
    assert MARKER not in stored and "diabetes" not in stored and "ypertension" not in stored
    assert stored.count("fernet:") == 1 + 3 + 3 + 1 + 1  # note, 3 spans, 3 rationales, run, add

    # without the key the text is unreadable: a clear 503, never ciphertext or a crash
    with TestClient(_keyed(settings, fakes, [])) as client:
        refused = client.get(f"/v1/notes/{posted['id']}", headers=auth["coder"])
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "note_keys_missing"

    # rotation: the new key first, the old one still listed; afterwards the old one can go
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CAC_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CAC_NOTE_KEYS", f"{new},{old}")
    rotated = CliRunner().invoke(cli, ["keys", "rotate-notes"])
    assert rotated.exit_code == 0, rotated.output
    assert "notes.text: 1 values" in rotated.output
    with app.state.runtime.engine.connect() as connection:
        logged = connection.execute(text("SELECT action FROM audit_log")).scalars().all()
    assert logged[-1] == "notes.reseal"
    assert _raw(app) != stored
    with TestClient(_keyed(settings, fakes, [new])) as client:
        view = client.get(f"/v1/notes/{posted['id']}/suggestions", headers=auth["coder"]).json()
        assert view["suggestions"][0]["evidence"][0]["text"] == evidence["text"]
        assert client.get(f"/v1/notes/{posted['id']}", headers=auth["coder"]).json()["text"] == NOTE


def test_rotation_seals_notes_stored_before_encryption(
    settings: Settings, fakes: Any, key_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = _keyed(settings, fakes, [])
    auth = {Role.INTEGRATION.value: key_for(plain, Role.INTEGRATION)}
    with TestClient(plain) as client:
        tricky = _post(client, auth, {"text": "fernet:not a token. Hypertension."})
        posted = _post(client, auth)
        assert client.get(f"/v1/notes/{tricky['id']}", headers=auth["integration"]).json()[
            "text"
        ] == ("fernet:not a token. Hypertension.")
    assert MARKER in _raw(plain)
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CAC_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CAC_NOTE_KEYS", key)
    assert CliRunner().invoke(cli, ["keys", "rotate-notes"]).exit_code == 0
    assert MARKER not in _raw(plain)
    with TestClient(_keyed(settings, fakes, [key])) as client:
        got = client.get(f"/v1/notes/{posted['id']}", headers=auth["integration"]).json()
        assert got["text"] == NOTE
        again = client.get(f"/v1/notes/{tricky['id']}", headers=auth["integration"]).json()
        assert again["text"] == "fernet:not a token. Hypertension."


def test_new_note_key_and_bad_keys() -> None:
    made = CliRunner().invoke(cli, ["keys", "new-note-key"])
    assert made.exit_code == 0
    Fernet(made.output.strip().encode())
    with pytest.raises(InvalidRequest, match="Fernet keys"):
        NoteCipher(["not-a-key"])


def test_erasure_on_request_keeps_codes_and_audit(app: Any, client: TestClient, auth: Auth) -> None:
    posted = _post(client, auth, {"text": NOTE, "patient_ref": "PT-9"})
    note_id, sid = posted["id"], posted["suggestions"][0]["id"]
    client.post(f"/v1/suggestions/{sid}/decision", json={"action": "accept"}, headers=auth["coder"])
    path = f"/v1/notes/{note_id}/erase"
    assert (
        client.post(path, json={"reason": "patient request"}, headers=auth["coder"]).status_code
        == 403
    )
    erased = client.post(path, json={"reason": "patient request"}, headers=auth["admin"])
    assert erased.status_code == 200, erased.text
    assert erased.json()["text"] == "" and erased.json()["patient_ref"] is None
    assert erased.json()["text_erased_at"] is not None
    assert MARKER not in _raw(app) and "diabetes" not in _raw(app)
    view = client.get(f"/v1/notes/{note_id}/suggestions", headers=auth["coder"]).json()
    kept = {s["id"]: s for s in view["suggestions"]}
    assert kept[sid]["decision"]["status"] == "accepted"
    assert all(e["text"] == "" for s in view["suggestions"] for e in s["evidence"])
    again = client.post(path, json={"reason": "twice"}, headers=auth["admin"])
    assert again.json()["text_erased_at"] == erased.json()["text_erased_at"]
    events = client.get(f"/v1/notes/{note_id}/audit", headers=auth["admin"]).json()
    assert [e["action"] for e in events] == ["note.create", "suggestion.accept", "note.erase"]
    assert events[-1]["after"]["reason"] == "patient request"
    assert events[-1]["before"]["text_chars"] == len(NOTE)


def test_audit_export_api_and_cli(
    settings: Settings, client: TestClient, auth: Auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        _post(client, auth, {"text": f"Hypertension {n}."})
    everything = client.get("/v1/audit", headers=auth["analyst"]).json()
    assert [e["action"] for e in everything].count("note.create") == 3
    assert [e["id"] for e in everything] == sorted(e["id"] for e in everything)
    page = client.get(
        "/v1/audit", params={"after_id": everything[1]["id"], "limit": 2}, headers=auth["admin"]
    ).json()
    assert [e["id"] for e in page] == [e["id"] for e in everything[2:4]]
    assert client.get("/v1/audit", headers=auth["coder"]).status_code == 403
    future = client.get(
        "/v1/audit", params={"since": "2999-01-01T00:00:00Z"}, headers=auth["admin"]
    )
    assert future.json() == []

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CAC_DATA_DIR", str(settings.data_dir))
    runner = CliRunner()
    lines = runner.invoke(cli, ["audit", "export", "--format", "jsonl"]).stdout.splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == [e["id"] for e in everything]
    assert records[-1]["after"]["suggestions"] == 1
    table = runner.invoke(cli, ["audit", "export", "--format", "csv"]).stdout
    rows = list(csv.DictReader(io.StringIO(table)))
    assert len(rows) == len(everything)
    assert json.loads(rows[-1]["after"])["suggestions"] == 1
    later = runner.invoke(cli, ["audit", "export", "--since", "2999-01-01"])
    assert later.exit_code == 0 and later.stdout == ""


def test_no_code_path_updates_or_deletes_audit_rows() -> None:
    app_dir = Path(__file__).resolve().parents[2] / "app"
    rewriting = re.compile(
        r"(update|delete)\(\s*AuditEvent|(UPDATE|DELETE FROM)\s+audit_log", re.IGNORECASE
    )
    offenders = [
        str(path)
        for path in app_dir.rglob("*.py")
        if "migrations" not in path.parts and rewriting.search(path.read_text())
    ]
    assert offenders == []


def test_serve_takes_tls_files_in_pairs(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("not used")
    refused = CliRunner().invoke(cli, ["serve", "--ssl-certfile", str(cert)])
    assert refused.exit_code == 2
    assert "--ssl-certfile and --ssl-keyfile go together" in refused.output
