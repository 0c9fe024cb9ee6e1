"""``cac serve --coding-processes``: notes coded in worker processes, as in the request thread."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pool_coders
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.security import Role
from app.settings import Settings
from models.pool import CoderPool


def _coding_processes(parent: int) -> set[int]:
    """The pids of ``parent``'s children that multiprocessing spawned (its coding processes)."""
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines())
            command = (status.parent / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if int(fields.get("PPid", "0")) == parent and b"spawn_main" in command:
            found.add(int(status.parent.name))
    return found


def _alive(pids: set[int]) -> set[int]:
    return {pid for pid in pids if Path(f"/proc/{pid}").exists()}


def _pooled_app(settings: Settings, fakes: ModuleType, factory: str) -> Any:
    update = {"coding_processes": 2, "coder_factory": f"pool_coders:{factory}"}
    return create_app(settings.model_copy(update=update), codesets=fakes.FakeCodeSets())


def test_notes_are_coded_in_the_processes_and_stored_as_in_thread(
    settings: Settings, fakes: ModuleType, key_for: Any
) -> None:
    app = _pooled_app(settings, fakes, "load_word_coder")
    headers = key_for(app, Role.INTEGRATION)
    text = "Hypertension, stable on amlodipine."
    with TestClient(app) as client:
        pool = app.state.runtime.coder
        assert isinstance(pool, CoderPool) and len(pool.workers) == 2
        assert client.get("/ready", headers=headers).json()["checks"]["coder"] is True
        posted = client.post(
            "/v1/notes", json={"text": text, "setting": "inpatient"}, headers=headers
        )
        assert posted.status_code == 201, posted.text
        stored = client.get(f"/v1/notes/{posted.json()['id']}/suggestions", headers=headers)
        pids = {worker.pid for worker in pool.workers}
    expected = pool_coders.WordCoder().code(text, setting="inpatient").suggestions[0]
    [suggestion] = stored.json()["suggestions"]
    assert (suggestion["code"], suggestion["rationale"]) == (expected.code, expected.rationale)
    spans = [(e["start"], e["end"], e["text"]) for e in suggestion["evidence"]]
    assert spans == [(0, 13, "Hypertension,")] and text[0:13] == "Hypertension,"
    # the app's shutdown stopped the coding processes
    assert len(pids) == 2 and not _alive(pids)


def test_coding_processes_that_cannot_load_leave_the_service_up_and_not_ready(
    settings: Settings, fakes: ModuleType, key_for: Any
) -> None:
    app = _pooled_app(settings, fakes, "load_nothing")
    headers = key_for(app, Role.INTEGRATION)
    with TestClient(app) as client:
        ready = client.get("/ready", headers=headers)
        assert ready.status_code == 503
        assert ready.json()["problems"]["coder"].startswith("CoderPoolError")
        posted = client.post("/v1/notes", json={"text": "Hypertension."}, headers=headers)
        assert posted.status_code == 503
        assert client.get("/health").status_code == 200


def test_a_service_whose_coding_processes_died_and_cannot_restart_is_not_ready(
    settings: Settings,
    fakes: ModuleType,
    key_for: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = tmp_path / "broken"
    monkeypatch.setenv(pool_coders.BROKEN_FILE_ENV, str(broken))
    app = _pooled_app(settings, fakes, "load_until_broken")
    headers = key_for(app, Role.INTEGRATION)
    with TestClient(app) as client:
        assert client.get("/ready", headers=headers).status_code == 200
        broken.touch()
        for worker in app.state.runtime.coder.workers:
            os.kill(worker.pid, signal.SIGKILL)
            pool_coders.wait_until_dead(worker.pid)
        posted = client.post("/v1/notes", json={"text": "Hypertension."}, headers=headers)
        assert posted.status_code == 503
        assert posted.json()["error"]["code"] == "coder_pool_error"
        # not ready once the replacements have failed to start (they load for a moment first)
        deadline = time.monotonic() + 60
        ready = client.get("/ready", headers=headers)
        while ready.status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.1)
            ready = client.get("/ready", headers=headers)
        assert ready.status_code == 503 and ready.json()["checks"]["coder"] is False


def _post(base: str, headers: dict[str, str], text: str) -> httpx.Response:
    return httpx.post(f"{base}/v1/notes", json={"text": text}, headers=headers, timeout=60)


@pytest.mark.slow
def test_service_codes_in_processes_and_replaces_one_that_dies(
    tmp_path: Path, service: ModuleType, fakes: ModuleType
) -> None:
    env = {
        **service.service_env(f"sqlite:///{tmp_path / 'cac.db'}", tmp_path / "data"),
        "CAC_CODING_PROCESSES": "2",
    }
    log = tmp_path / "serve.log"
    running = service.Service(env, service.free_port(), log)
    try:
        admin = service.bearer(service.admin_key(log))
        created = httpx.post(
            f"{running.base}/v1/keys",
            json={"name": "ehr", "role": "integration"},
            headers=admin,
        )
        integration = service.bearer(created.json()["key"])
        first = _coding_processes(running.process.pid)
        assert len(first) == 2

        text = "Essential hypertension, follow-up. Type 2 diabetes mellitus."
        posted = _post(running.base, integration, text)
        assert posted.status_code == 201, posted.text
        expected = fakes.FakeCoder().code(text)

        def codes(body: dict[str, Any]) -> list[tuple[str, str]]:
            return [(s["system"], s["code"]) for s in body["suggestions"]]

        assert codes(posted.json()) == [(s.system, s.code) for s in expected.suggestions]

        killed, survivor = sorted(first)
        os.kill(killed, signal.SIGKILL)  # as an out-of-memory kill would, between notes
        pool_coders.wait_until_dead(killed)
        # notes go to the processes in turn: within two notes one is handed to the dead one,
        # which never saw it, so it goes to the other and no note fails
        for visit in range(4):
            again = _post(running.base, integration, f"{text} Visit {visit}.")
            assert again.status_code == 201, again.text
        deadline = time.monotonic() + 60
        replaced = _coding_processes(running.process.pid)
        while (len(replaced) != 2 or killed in replaced) and time.monotonic() < deadline:
            time.sleep(0.2)
            replaced = _coding_processes(running.process.pid)
        assert len(replaced) == 2 and killed not in replaced and survivor in replaced
        assert _post(running.base, integration, f"{text} Seen again.").status_code == 201
    finally:
        running.kill()
    # killed with SIGKILL, the service leaves no coding process behind
    deadline = time.monotonic() + 20
    while _alive(replaced) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(replaced)
