"""The real service in a subprocess (``cac serve`` with the fake coder), for restart tests.

Loaded by path like ``cac_test_fakes``; the subprocess finds the fakes through PYTHONPATH.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

SUPPORT = Path(__file__).parent
CAC = Path(sys.executable).parent / "cac"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service_env(database_url: str, data_dir: Path) -> dict[str, str]:
    """Environment of a service using the fakes, this database and data dir."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "CAC_DATA_DIR": str(data_dir),
        "CAC_CODER_FACTORY": "cac_test_fakes:load_coder",
        "CAC_CODESETS_FACTORY": "cac_test_fakes:load_codesets",
        "CAC_RATE_LIMIT_BURST": "100000",
        "PYTHONPATH": os.pathsep.join([str(SUPPORT), os.environ.get("PYTHONPATH", "")]),
        "PYTHONUNBUFFERED": "1",
    }


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


def admin_key(log: Path) -> str:
    """The first admin key ``cac serve`` printed."""
    keys = [
        line.strip() for line in log.read_text().splitlines() if line.strip().startswith("cac_")
    ]
    assert len(keys) == 1, log.read_text()
    return keys[0]


def bearer(key: str) -> dict[str, str]:
    """The Authorization header of a key."""
    return {"Authorization": f"Bearer {key}"}
