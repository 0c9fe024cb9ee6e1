"""Persistence across a restart of the real service process (``cac serve``), on each backend.

Start, post, decide, kill -9, start again: the note, the decision and the audit trail are there.
The subprocess loads the fake coder and code sets through the factory settings.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest


@pytest.mark.slow
def test_everything_survives_kill_and_restart(
    database_url: str, tmp_path: Path, service: ModuleType
) -> None:
    env = service.service_env(database_url, tmp_path / "data")
    port = service.free_port()
    log = tmp_path / "serve.log"
    first = service.Service(env, port, log)
    try:
        admin = service.bearer(service.admin_key(log))
        assert f"{first.base}/docs" in log.read_text()
        assert f"{first.base}/ui/" in log.read_text()
        made: dict[str, Any] = {}
        for role in ("integration", "coder"):
            response = httpx.post(
                f"{first.base}/v1/keys", json={"name": role, "role": role}, headers=admin
            )
            made[role] = service.bearer(response.json()["key"])
        note = httpx.post(
            f"{first.base}/v1/notes",
            json={"text": "Hypertension, stable. Office visit.", "encounter_id": "R-1"},
            headers=made["integration"],
        ).json()
        sid = note["suggestions"][0]["id"]
        decided = httpx.post(
            f"{first.base}/v1/suggestions/{sid}/decision",
            json={"action": "reject", "reason": "resolved"},
            headers=made["coder"],
        )
        assert decided.status_code == 200
    finally:
        first.kill()

    second = service.Service(env, port, log)
    try:
        assert len([ln for ln in log.read_text().splitlines() if "First admin key" in ln]) == 1
        view = httpx.get(
            f"{second.base}/v1/notes/{note['id']}/suggestions", headers=made["coder"]
        ).json()
        kept = {s["id"]: s for s in view["suggestions"]}[sid]
        assert kept["decision"] == {"status": "rejected", "code": None, "reason": "resolved"}
        events = httpx.get(f"{second.base}/v1/notes/{note['id']}/audit", headers=made["coder"])
        assert [e["action"] for e in events.json()] == ["note.create", "suggestion.reject"]
        assert httpx.get(f"{second.base}/v1/keys", headers=admin).status_code == 200
    finally:
        second.kill()
