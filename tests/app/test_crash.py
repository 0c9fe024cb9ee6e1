"""Crash safety: SIGKILL the real service in the middle of a stream of decisions and notes.

Coders' decisions and an integration's notes stream in from several threads; the process is
killed at a random moment with requests in flight, restarted, and the database must hold every
acknowledged (2xx) decision and note, no half-written coding run, and an audit log that matches
the decisions and notes one for one. Repeated ``CAC_CRASH_KILLS`` times (default 3) per backend;
SQLite runs in WAL mode with synchronous=FULL.
"""

from __future__ import annotations

import itertools
import os
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from app.db import make_engine

KILLS = int(os.environ.get("CAC_CRASH_KILLS", "3"))
STREAMERS = 3
NOTE = "Type 2 diabetes and hypertension. Office visit; walker ordered. Visit {n}."


@dataclass
class Acks:
    """What the service acknowledged with a 2xx, shared by the streaming threads."""

    decisions: dict[int, str] = field(default_factory=dict)
    notes: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self) -> int:
        """Acknowledged requests so far."""
        with self.lock:
            return len(self.decisions) + len(self.notes)


def _post_notes(base: str, headers: dict[str, str], numbers: list[int]) -> list[dict[str, Any]]:
    notes = []
    for n in numbers:
        response = httpx.post(f"{base}/v1/notes", json={"text": NOTE.format(n=n)}, headers=headers)
        assert response.status_code == 201, response.text
        notes.append(response.json())
    return notes


def _decide(base: str, headers: dict[str, str], sids: list[int], acks: Acks) -> None:
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        for sid in sids:
            action = random.choice(["accept", "reject"])
            body = {"action": action, "reason": None if action == "accept" else "not supported"}
            try:
                response = client.post(f"/v1/suggestions/{sid}/decision", json=body)
            except httpx.HTTPError:
                return  # the service died under us: what was not acknowledged may be lost
            assert response.status_code == 200, response.text
            with acks.lock:
                acks.decisions[sid] = action


def _post_stream(
    base: str, headers: dict[str, str], numbers: itertools.count[int], acks: Acks
) -> None:
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        while True:
            try:
                response = client.post("/v1/notes", json={"text": NOTE.format(n=next(numbers))})
            except httpx.HTTPError:
                return
            assert response.status_code == 201, response.text
            with acks.lock:
                acks.notes.add(response.json()["id"])


def _scalar(engine: Engine, sql: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(text(sql)).scalar()


def _rows(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(text(sql)))


def _check_consistent(engine: Engine, acks: Acks) -> None:
    stored = dict(_rows(engine, "SELECT suggestion_id, action FROM decisions"))
    for sid, action in acks.decisions.items():
        assert stored.get(sid) == action, f"acknowledged decision on suggestion {sid} is lost"
    notes = {row[0] for row in _rows(engine, "SELECT id FROM notes")}
    assert acks.notes <= notes, "an acknowledged note is lost"
    # no half-written run: every note has exactly one run holding the suggestions it announced
    runs = dict(_rows(engine, "SELECT note_id, count(*) FROM coding_runs GROUP BY note_id"))
    assert runs == dict.fromkeys(notes, 1)
    per_run = dict(_rows(engine, "SELECT run_id, count(*) FROM suggestions GROUP BY run_id"))
    assert set(per_run.values()) == {4}
    assert _scalar(engine, "SELECT count(*) FROM coding_runs") == len(per_run)
    bare = "SELECT count(*) FROM suggestions s WHERE NOT EXISTS "
    assert _scalar(engine, bare + "(SELECT 1 FROM evidence e WHERE e.suggestion_id = s.id)") == 0
    # the audit log matches the data one for one
    created = _rows(engine, "SELECT entity_id FROM audit_log WHERE action = 'note.create'")
    assert sorted(row[0] for row in created) == sorted(notes)
    audited = dict(
        _rows(
            engine,
            "SELECT entity_id, count(*) FROM audit_log "
            "WHERE entity = 'suggestion' GROUP BY entity_id",
        )
    )
    decided = dict(_rows(engine, "SELECT suggestion_id, count(*) FROM decisions GROUP BY 1"))
    assert audited == decided
    undecided = "SELECT count(*) FROM suggestions WHERE status <> 'needs_review' AND id NOT IN "
    assert _scalar(engine, undecided + "(SELECT suggestion_id FROM decisions)") == 0


def test_sqlite_is_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    assert _scalar(engine, "PRAGMA journal_mode") == "wal"
    assert _scalar(engine, "PRAGMA synchronous") == 2  # FULL
    engine.dispose()


@pytest.mark.slow
def test_acknowledged_work_survives_sigkill_mid_stream(
    database_url: str, tmp_path: Path, service: ModuleType
) -> None:
    env = service.service_env(database_url, tmp_path / "data")
    port = service.free_port()
    log = tmp_path / "serve.log"
    running = service.Service(env, port, log)
    engine = make_engine(database_url)
    acks = Acks()
    numbers = itertools.count()
    try:
        admin = service.bearer(service.admin_key(log))
        made = {}
        for role in ("integration", "coder"):
            body = {"name": role, "role": role}
            created = httpx.post(f"{running.base}/v1/keys", json=body, headers=admin)
            made[role] = service.bearer(created.json()["key"])
        for _ in range(KILLS):
            notes = _post_notes(
                running.base, made["integration"], [next(numbers) for _ in range(8)]
            )
            sids = [s["id"] for note in notes for s in note["suggestions"]]
            threads = [
                threading.Thread(
                    target=_decide, args=(running.base, made["coder"], sids[i::STREAMERS], acks)
                )
                for i in range(STREAMERS)
            ]
            threads.append(
                threading.Thread(
                    target=_post_stream,
                    args=(running.base, made["integration"], numbers, acks),
                    daemon=True,
                )
            )
            before = acks.count()
            for thread in threads:
                thread.start()
            target = before + random.randint(8, 20)
            deadline = time.monotonic() + 30
            while acks.count() < target and time.monotonic() < deadline:
                time.sleep(0.005)
            running.kill()  # with requests in flight
            for thread in threads:
                thread.join(timeout=15)
            assert acks.count() >= target, "the stream stalled before the kill"
            running = service.Service(env, port, log)
            _check_consistent(engine, acks)
        # the restarted service still takes decisions
        last = _post_notes(running.base, made["integration"], [10**6])[0]
        decided = httpx.post(
            f"{running.base}/v1/suggestions/{last['suggestions'][0]['id']}/decision",
            json={"action": "accept"},
            headers=made["coder"],
        )
        assert decided.status_code == 200
        print(
            f"\nsurvived {KILLS} SIGKILLs: {len(acks.decisions)} decisions, {len(acks.notes)} notes"
        )
    finally:
        running.kill()
        engine.dispose()
