"""Persistence across a restart of the real service process (``cac serve``), on each backend.

Start, post, decide, kill -9, start again: the note, the decision and the audit trail are there.
The subprocess loads the fake coder and code sets through the factory settings.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

SUPPORT = Path(__file__).parent / "support"
CAC = Path(sys.executable).parent / "cac"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Service:
    """One ``cac serve`` process and what it printed."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.log = log
        with log.open("a") as sink:
            self.process = subprocess.Popen(
                [str(CAC), "serve", "--port", str(port)],
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
            if self.process.poll() is not None:
                break
        self.kill()
        raise AssertionError(f"service did not start:\n{log.read_text()}")

    def kill(self) -> None:
        """Kill -9: no graceful shutdown, so nothing can be flushed on the way out."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def service_env(database_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment of a service using the fakes, this test's database and data dir."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CAC_DATA_DIR": str(tmp_path / "data"),
        "CAC_CODER_FACTORY": "cac_test_fakes:load_coder",
        "CAC_CODESETS_FACTORY": "cac_test_fakes:load_codesets",
        "PYTHONPATH": os.pathsep.join([str(SUPPORT), os.environ.get("PYTHONPATH", "")]),
        "PYTHONUNBUFFERED": "1",
    }
    yield env


def _admin_key(log: Path) -> str:
    keys = [
        line.strip() for line in log.read_text().splitlines() if line.strip().startswith("cac_")
    ]
    assert len(keys) == 1, log.read_text()
    return keys[0]


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.slow
def test_everything_survives_kill_and_restart(service_env: dict[str, str], tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "serve.log"
    first = Service(service_env, port, log)
    try:
        admin = _bearer(_admin_key(log))
        assert f"{first.base}/docs" in log.read_text()
        assert f"{first.base}/ui/" in log.read_text()
        made: dict[str, Any] = {}
        for role in ("integration", "coder"):
            response = httpx.post(
                f"{first.base}/v1/keys", json={"name": role, "role": role}, headers=admin
            )
            made[role] = _bearer(response.json()["key"])
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

    second = Service(service_env, port, log)
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
