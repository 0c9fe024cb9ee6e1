"""HTTP load benchmark: start the service on loopback with uvicorn --workers, drive POST /v1/notes.

Usage (from the repository root):

    .venv/bin/python benchmarks/http_load.py --workers 1 --coding-processes 2 --concurrency 1,4,8,16
    .venv/bin/python benchmarks/http_load.py --workers 1 --coding-processes 2 --concurrency 8 \
        --requests 5000 --duration 400 --json

The script makes a throw-away data directory (SQLite database, server secret), creates an
integration key with ``cac keys create``, starts ``uvicorn app.main:create_app --factory`` bound to
127.0.0.1 only, waits until ``/ready`` answers, sends a few warm-up notes, then drives the service
at each concurrency with a bounded number of requests and a bounded time, each client on one
keep-alive connection (``keepalive_client.py``: it shares the server's cores, and used a sixth of
httpx's CPU per request). It reports throughput, p50/p95/p99 latency, errors by kind, the
server's CPU per request (user + system time of uvicorn and every process under it, coding
processes included, from /proc) and the client's own, start-up time and each process's peak
resident memory, then stops the server it started. It never talks to any other host.
``--coding-processes N`` sets ``CAC_CODING_PROCESSES`` (see ``models.pool``); ``--replay-coder``
answers every note with one stored result (``replay_coder.py``), which leaves the service's own
work.

The per-key rate limit is raised for the run (it would otherwise be what is measured); every other
setting is the service's default. The client runs on the same 2 cores as the server, so its own
CPU use is part of the figures: they are a floor on what a separate client machine would see.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from keepalive_client import KeepAliveClient, ResponseFramingError

HOST = "127.0.0.1"  # loopback only, by design: there is no option to change it
ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
DEFAULT_NOTE = HERE / "data" / "note_400w.txt"
MAX_TOTAL_REQUESTS = 100_000


@dataclass(frozen=True, slots=True)
class LevelResult:
    """The figures of one concurrency level."""

    concurrency: int
    requests: int
    ok: int
    errors: int
    error_kinds: dict[str, int]
    wall_s: float
    throughput_rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    # CPU (user + system) of the uvicorn processes during the level, per request sent
    server_cpu_ms_per_request: float
    # CPU of this load client during the level, per request sent (it shares the server's cores)
    client_cpu_ms_per_request: float


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _environment(data_dir: Path, args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env["CAC_CODING_PROCESSES"] = str(args.coding_processes)
    if args.replay_coder:
        env["CAC_CODER_FACTORY"] = "replay_coder:load"
        env["CAC_REPLAY_NOTE"] = str(Path(args.note).resolve())
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    env["CAC_DATA_DIR"] = str(data_dir)
    env["DATABASE_URL"] = args.database_url or f"sqlite:///{data_dir / 'cac.db'}"
    env["CAC_RATE_LIMIT_PER_SECOND"] = "1000000"
    env["CAC_RATE_LIMIT_BURST"] = "1000000"
    return env


def _create_key(env: dict[str, str]) -> str:
    cac = Path(sys.executable).with_name("cac")
    command = [str(cac), "keys", "create", "--role", "integration", "--name", "http-bench"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    return done.stdout.strip().splitlines()[-1].strip()


def _start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
        "--host", HOST, "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)


def _wait_ready(base: str, key: str, workers: int, timeout_s: float) -> tuple[float, float]:
    """Seconds to the first ``/ready`` 200, and to ``4 * workers`` in a row on new connections.

    Each poll opens a new connection, so the kernel spreads them over the workers; several
    consecutive 200s make it likely every worker has loaded, not just the first.
    """
    started = time.perf_counter()
    first: float | None = None
    streak = 0
    while time.perf_counter() - started < timeout_s:
        try:
            status = httpx.get(
                f"{base}/ready", headers={"Authorization": f"Bearer {key}"}
            ).status_code
        except httpx.TransportError:
            status = 0
        if status == 200:
            first = first if first is not None else time.perf_counter() - started
            streak += 1
            if streak >= 4 * workers:
                return first, time.perf_counter() - started
        else:
            streak = 0
            time.sleep(0.2)
    raise SystemExit(f"service not ready after {timeout_s:.0f} s")


def _family(server_pid: int) -> set[int]:
    """The server process and all its descendants (uvicorn workers, their coding processes)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # the fields after the command name, which is in parentheses and may hold spaces
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    family = {server_pid}
    grown = True
    while grown:
        children = {pid for pid, parent in parents.items() if parent in family} - family
        family |= children
        grown = bool(children)
    return family


def _worker_peak_rss_mb(server_pid: int) -> dict[int, float]:
    """Peak resident memory (VmHWM) of every process of the server, from /proc."""
    peaks: dict[int, float] = {}
    for pid in sorted(_family(server_pid)):
        try:
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status if ":" in line)
        peaks[pid] = round(int(fields.get("VmHWM", "0 kB").split()[0]) / 1024, 1)
    return peaks


def _server_cpu_s(server_pid: int) -> float:
    """CPU seconds (user + system) used so far by every process of the server."""
    ticks = 0
    for pid in _family(server_pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


async def _drive(
    port: int,
    key: str,
    text: str,
    concurrency: int,
    requests: int,
    duration_s: float,
    server_pid: int,
) -> LevelResult:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    issued = 0
    # a PostgreSQL database outlives the run: ids unique to this run, so no request is a replay
    run = uuid.uuid4().hex[:8]
    deadline = time.perf_counter() + duration_s
    headers = {"Authorization": f"Bearer {key}"}
    encoded_text = json.dumps(text)

    async def client() -> None:
        nonlocal issued
        connection = KeepAliveClient(HOST, port, "/v1/notes", headers)
        while issued < requests and time.perf_counter() < deadline:
            issued += 1
            encounter = f"bench-{run}-{concurrency}-{issued}"
            body = f'{{"text": {encoded_text}, "encounter_id": "{encounter}"}}'.encode()
            started = time.perf_counter()
            try:
                status = await connection.post(body, timeout_s=60.0)
                kind = None if status in (200, 201) else f"HTTP {status}"
            except (OSError, EOFError, TimeoutError, ResponseFramingError) as error:
                kind = type(error).__name__
            latencies.append(1000 * (time.perf_counter() - started))
            if kind is not None:
                errors[kind] += 1
        await connection.close()

    cpu_before = _server_cpu_s(server_pid)
    client_before = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    wall_s = time.perf_counter() - started
    cpu_s = _server_cpu_s(server_pid) - cpu_before
    client_cpu_s = time.process_time() - client_before
    done = len(latencies)
    return LevelResult(
        concurrency=concurrency,
        requests=done,
        ok=done - sum(errors.values()),
        errors=sum(errors.values()),
        error_kinds=dict(errors),
        wall_s=round(wall_s, 3),
        throughput_rps=round(done / wall_s, 2) if wall_s else 0.0,
        p50_ms=round(_percentile(latencies, 0.50), 2),
        p95_ms=round(_percentile(latencies, 0.95), 2),
        p99_ms=round(_percentile(latencies, 0.99), 2),
        max_ms=round(max(latencies, default=0.0), 2),
        server_cpu_ms_per_request=round(1000 * cpu_s / done, 2) if done else 0.0,
        client_cpu_ms_per_request=round(1000 * client_cpu_s / done, 2) if done else 0.0,
    )


def _stop(server: subprocess.Popen[bytes]) -> None:
    # The server runs in its own session: signal its group (uvicorn's supervisor and workers).
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the service, drive every concurrency level, stop it, and return the report."""
    text = Path(args.note).read_text(encoding="utf-8")
    levels = [int(c) for c in args.concurrency.split(",")]
    if args.requests * len(levels) > MAX_TOTAL_REQUESTS:
        raise SystemExit(f"at most {MAX_TOTAL_REQUESTS} requests per run")
    with tempfile.TemporaryDirectory(prefix="cac-http-bench-") as tmp:
        env = _environment(Path(tmp), args)
        key = _create_key(env)
        port = _free_port()
        base = f"http://{HOST}:{port}"
        server = _start_server(env, port, args.workers)
        try:
            first_ready_s, all_ready_s = _wait_ready(base, key, args.workers, args.startup_timeout)
            asyncio.run(_drive(port, key, text, 1, args.warmup, args.duration, server.pid))
            results = [
                asyncio.run(
                    _drive(port, key, text, level, args.requests, args.duration, server.pid)
                )
                for level in levels
            ]
            rss = _worker_peak_rss_mb(server.pid)
        finally:
            _stop(server)
    return {
        "note_words": len(text.split()),
        "uvicorn_workers": args.workers,
        "coding_processes": args.coding_processes,
        "coder": "replay" if args.replay_coder else "real",
        "launch_to_first_ready_s": round(first_ready_s, 2),
        "launch_to_all_ready_s": round(all_ready_s, 2),
        "peak_rss_mb_by_pid": rss,
        "levels": [asdict(result) for result in results],
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    """Parse arguments, run the benchmark and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument(
        "--coding-processes", type=int, default=0, help="coding processes per uvicorn worker"
    )
    parser.add_argument(
        "--replay-coder",
        action="store_true",
        help="answer every note with the real coder's result for --note, coded once at start "
        "(replay_coder.py): the service's own CPU per request, without coding",
    )
    parser.add_argument("--concurrency", default="1,2,4,8,16", help="comma-separated levels")
    parser.add_argument("--requests", type=int, default=500, help="requests per level (cap)")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds per level (cap)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first")
    parser.add_argument("--note", default=str(DEFAULT_NOTE), help="the note text to post")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument("--startup-timeout", type=float, default=180.0)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    report = run(args)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    first, every = report["launch_to_first_ready_s"], report["launch_to_all_ready_s"]
    rss = report["peak_rss_mb_by_pid"]
    print(f"{report['note_words']}-word note, {args.workers} uvicorn workers, "
          f"ready in {first} s (all: {every} s), peak RSS MB by pid {rss}")  # fmt: skip
    print(f"{'conc':>5} {'reqs':>6} {'errors':>6} {'req/s':>8} {'p50':>8} {'p95':>8} {'p99':>8} "
          f"{'cpu ms/req':>10}")  # fmt: skip
    for level in report["levels"]:
        print(f"{level['concurrency']:>5} {level['requests']:>6} {level['errors']:>6} "
              f"{level['throughput_rps']:>8} {level['p50_ms']:>8} {level['p95_ms']:>8} "
              f"{level['p99_ms']:>8} {level['server_cpu_ms_per_request']:>10}")  # fmt: skip


if __name__ == "__main__":
    main()
