"""The request path's shortcuts give what the slow path gave.

A newly coded note is stored with Core INSERTs and answered from what was stored, not read back,
and SQLite write transactions of one process queue on a lock. Each test checks the shortcut
against the result it replaced.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import text

from app import notecrypt
from app.db import _WriterConnection, for_writing, make_engine
from app.main import create_app
from app.security import Role
from app.settings import Settings
from models.schema import CodingResult, Evidence, LinkedCode, Setting, Suggestion, Versions

NOTE = (
    "plain: Hypertension, follow-up. fernet: Type 2 diabetes mellitus with neuropathy. "
    "Walker ordered. Office visit, established patient."
)


def _evidence(phrase: str) -> Evidence:
    start = NOTE.index(phrase)
    return Evidence(start=start, end=start + len(phrase), text=phrase, section="assessment")


class RichCoder:
    """A result in the shapes the real coder returns: suggestions out of rank order, evidence
    out of offset order, links, warnings, a sample code, values that look like sealed text."""

    def code(
        self, text: str, *, setting: Setting = "outpatient", date_of_service: date | None = None
    ) -> CodingResult:
        """The same result for any note."""
        link = LinkedCode(system="ICD-10-CM", code="E11.40", relation="use_additional", note="x")
        suggestions = [
            Suggestion(
                system="ICD-10-CM",
                code="E11.42",
                description="Type 2 diabetes mellitus with diabetic polyneuropathy",
                billable=True,
                confidence=0.8734562189,
                rank=2,
                evidence=[_evidence("neuropathy"), _evidence("fernet: Type 2 diabetes")],
                rationale="fernet: looks sealed but is not",
                warnings=["check laterality", "plain: escaped"],
                linked=[link],
            ),
            Suggestion(
                system="ICD-10-CM",
                code="I10",
                description="Essential (primary) hypertension",
                billable=True,
                confidence=0.95,
                rank=1,
                evidence=[_evidence("plain: Hypertension")],
                rationale="stated in the assessment",
            ),
            Suggestion(
                system="CPT",
                code="99213",
                description="Office visit, established patient, low complexity",
                billable=True,
                confidence=1 / 3,
                rank=4,
                # two spans from one offset: read back in the order they were written
                evidence=[
                    _evidence("established patient"),
                    _evidence("Office visit, established"),
                    _evidence("Office visit"),
                ],
                rationale="visit type",
                is_sample=True,
            ),
            Suggestion(
                system="HCPCS",
                code="E0130",
                description="Walker, rigid, adjustable or fixed height",
                billable=True,
                confidence=0.5,
                rank=3,
                evidence=[_evidence("Walker")],
                rationale="ordered",
            ),
        ]
        return CodingResult(
            suggestions=suggestions,
            mentions=[],
            versions=Versions(icd10cm="2025", hcpcs="2025", cpt="s", model="m", pipeline="p"),
            setting=setting,
            date_of_service=date_of_service,
        )


@pytest.mark.parametrize("sealed", [False, True], ids=["plain", "encrypted"])
def test_answer_to_a_new_note_equals_the_stored_suggestions(
    settings: Settings, fakes: Any, key_for: Any, sealed: bool
) -> None:
    if sealed:
        settings = settings.model_copy(update={"note_keys": SecretStr(notecrypt.new_key())})
    app = create_app(settings, coder=RichCoder(), codesets=fakes.FakeCodeSets())
    integration = key_for(app, Role.INTEGRATION)
    body = {"text": NOTE, "encounter_id": "ENC-9"}
    with TestClient(app) as client:
        posted = client.post("/v1/notes", json=body, headers=integration)
        assert posted.status_code == 201, posted.text
        fresh = posted.json()
        stored = client.get(f"/v1/notes/{fresh['id']}/suggestions", headers=integration).json()
        replayed = client.post("/v1/notes", json=body, headers=integration)
        batch = client.post(
            "/v1/notes:batch",
            json={"notes": [{"note": {"text": NOTE, "encounter_id": "ENC-10"}}, {"note": body}]},
            headers=integration,
        ).json()["results"]
    # the answer built from what was written is what reading it back gives (the old answer)
    assert fresh["suggestions"] == stored["suggestions"]
    assert [s["rank"] for s in fresh["suggestions"]] == [1, 2, 3, 4]
    assert fresh["suggestions"][1]["evidence"][0]["text"] == "fernet: Type 2 diabetes"
    assert [e["text"] for e in fresh["suggestions"][3]["evidence"]] == [
        "Office visit, established",
        "Office visit",
        "established patient",
    ]
    assert replayed.status_code == 200
    assert replayed.json() == {**fresh, "replayed": True}
    new_in_batch, replay_in_batch = batch[0]["note"], batch[1]["note"]
    assert batch[0]["status"] == 201 and replay_in_batch == {**fresh, "replayed": True}
    assert [s["code"] for s in new_in_batch["suggestions"]] == [
        s["code"] for s in fresh["suggestions"]
    ]
    with app.state.runtime.engine.connect() as connection:
        counts = [
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("notes", "coding_runs", "suggestions", "evidence", "audit_log")
        ]
        rationale = connection.execute(
            text("SELECT rationale FROM suggestions WHERE code = 'E11.42' ORDER BY id LIMIT 1")
        ).scalar()
    assert counts[:4] == [2, 2, 8, 14]
    assert counts[4] >= 2  # one note.create per coded note, after the keys' own entries
    assert str(rationale).startswith("fernet:" if sealed else "plain:fernet:")


def test_sqlite_writers_of_one_process_queue_and_hand_over(tmp_path: Any) -> None:
    plain = make_engine(f"sqlite:///{tmp_path / 'q.db'}")
    engine = for_writing(plain)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    order: list[str] = []

    def second_writer() -> None:
        with engine.begin() as other:
            order.append("second begins")
            other.exec_driver_sql("INSERT INTO t VALUES (2)")

    first = engine.connect()
    raw = first.connection.dbapi_connection
    assert isinstance(raw, _WriterConnection) and raw.writer is not None
    first.begin()
    first.exec_driver_sql("INSERT INTO t VALUES (1)")
    assert raw.holds_writer and raw.writer.locked()
    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.2)
    order.append("first commits")
    first.commit()
    thread.join(timeout=10)
    assert order == ["first commits", "second begins"]
    assert not raw.holds_writer and not raw.writer.locked()
    # a rolled-back and a closed-while-open transaction hand the lock on too
    first.begin()
    first.exec_driver_sql("INSERT INTO t VALUES (3)")
    first.rollback()
    assert not raw.writer.locked()
    first.begin()
    first.exec_driver_sql("INSERT INTO t VALUES (4)")
    first.close()
    assert not raw.writer.locked()
    with plain.connect() as reader:  # reads (deferred transactions) never take it
        reader.exec_driver_sql("SELECT count(*) FROM t")
        assert not raw.writer.locked()
    with engine.begin() as connection:
        assert connection.exec_driver_sql("SELECT x FROM t ORDER BY x").scalars().all() == [1, 2]


def test_a_repeated_note_is_answered_while_another_process_writes(
    tmp_path: Any, fakes: Any, key_for: Any
) -> None:
    # the look-up for an earlier identical request only reads, so it neither takes nor waits
    # for SQLite's write lock (here held by another connection, as by a second worker)
    database = tmp_path / "cac.db"
    settings = Settings(database_url=f"sqlite:///{database}", data_dir=tmp_path / "data")
    app = create_app(settings, coder=RichCoder(), codesets=fakes.FakeCodeSets())
    integration = key_for(app, Role.INTEGRATION)
    body = {"text": NOTE, "encounter_id": "ENC-1"}
    with TestClient(app) as client:
        first = client.post("/v1/notes", json=body, headers=integration)
        assert first.status_code == 201, first.text
        other = sqlite3.connect(database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            again = client.post("/v1/notes", json=body, headers=integration)
            waited = time.monotonic() - started
        finally:
            other.rollback()
            other.close()
    assert again.status_code == 200 and again.json() == {**first.json(), "replayed": True}
    assert waited < 5  # the write lock would have kept it waiting 15 s (busy_timeout), then 500
