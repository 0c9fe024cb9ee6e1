"""Bounded soak on loopback: many mixed requests against one ``cac serve``, zero errors, flat RSS.

Usage (from the repository root):

    .venv/bin/python benchmarks/soak.py                          # 20,000 requests, fake coder
    .venv/bin/python benchmarks/soak.py --requests 2000 --json   # a quick one
    .venv/bin/python benchmarks/soak.py --real-coder --requests 2000

It makes a throw-away data directory (SQLite; ``--database-url`` for PostgreSQL), starts
``cac serve`` bound to 127.0.0.1, creates integration, coder and analyst keys through the API, then
sends ``--requests`` requests from ``--concurrency`` clients in this mix: post a note (20%), decide
a pending suggestion (30%), read a note's suggestions (20%), the worklist (15%), a note (10%) and
its audit history (5%). Any answer other than the expected 2xx, or no answer, is an error. The
service's resident memory is read from ``/proc/<pid>/status`` every ``--sample-s`` seconds: the
report gives it at start, after the warm-up (the first 10% of requests), at the end and at its
maximum. By default the service runs the tests' fake coder (``tests/app/support``), so the soak
measures the service, its database and its memory rather than the NLP pipeline (the real coder
takes ~100 ms a note on this machine: 20,000 requests would be hours of coding);
``--real-coder`` runs the real one. The per-key rate limit is raised for the run.
Exit status 1 when any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

HOST = "127.0.0.1"  # loopback only, by design
ROOT = Path(__file__).resolve().parent.parent
SUPPORT = ROOT / "tests" / "app" / "support"
CAC = Path(sys.executable).parent / "cac"
MIX = [("post", 20), ("decide", 30), ("suggestions", 20), ("worklist", 15), ("note", 10)]
MIX.append(("audit", 5))
NOTE = (
    "Follow-up office visit {n}. Type 2 diabetes mellitus, stable on metformin. "
    "Hypertension controlled. Walker ordered for gait instability."
)


@dataclass
class Report:
    """The soak's figures."""

    requests: int
    concurrency: int
    coder: str
    database: str
    wall_s: float = 0.0
    requests_per_s: float = 0.0
    ok: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    rss_mb_start: float = 0.0
    rss_mb_after_warmup: float = 0.0
    rss_mb_end: float = 0.0
    rss_mb_max: float = 0.0
    # RSS after each tenth of the requests: flat memory shows as a plateau here
    rss_mb_by_tenth: list[float] = field(default_factory=list)
    rss_samples: int = 0


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else 0.0


class Sampler(threading.Thread):
    """Reads the service's RSS at a fixed interval until stopped."""

    def __init__(self, pid: int, every_s: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.every_s = pid, every_s
        self.samples: list[float] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        """Sample until ``stopped`` is set."""
        while not self.stopped.wait(self.every_s):
            self.samples.append(_rss_mb(self.pid))


class Workload:
    """Picks the next request and remembers notes and pending suggestions."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.notes: list[int] = []
        self.pending: deque[int] = deque()
        self.posted = 0
        kinds, weights = zip(*MIX, strict=True)
        self.kinds, self.weights = list(kinds), list(weights)

    def pick(self) -> str:
        """The kind of the next request (a post while there is nothing to read or decide)."""
        kind = self.random.choices(self.kinds, self.weights)[0]
        if not self.notes or (kind == "decide" and not self.pending):
            return "post"
        return kind

    def note_text(self) -> str:
        """A unique synthetic note."""
        self.posted += 1
        return NOTE.format(n=self.posted)


async def _one(
    client: httpx.AsyncClient, work: Workload, keys: dict[str, dict[str, str]], kind: str
) -> httpx.Response:
    if kind == "post":
        body = {"text": work.note_text(), "setting": "outpatient"}
        response = await client.post("/v1/notes", json=body, headers=keys["integration"])
        if response.status_code == 201:
            created = response.json()
            work.notes.append(created["id"])
            work.pending.extend(s["id"] for s in created["suggestions"])
        return response
    if kind == "decide":
        sid = work.pending.popleft()
        action = work.random.choice(["accept", "reject"])
        body = {"action": action, "reason": None if action == "accept" else "not supported"}
        return await client.post(
            f"/v1/suggestions/{sid}/decision", json=body, headers=keys["coder"]
        )
    note = work.random.choice(work.notes)
    paths = {
        "suggestions": (f"/v1/notes/{note}/suggestions", "coder"),
        "worklist": ("/v1/worklist", "coder"),
        "note": (f"/v1/notes/{note}", "analyst"),
        "audit": (f"/v1/notes/{note}/audit", "analyst"),
    }
    path, role = paths[kind]
    return await client.get(path, headers=keys[role])


async def drive(
    base: str, keys: dict[str, dict[str, str]], report: Report, sampler: Sampler, seed: int
) -> None:
    """Send the requests; count outcomes; note RSS after the warm-up."""
    work = Workload(seed)
    remaining = report.requests
    warmup = max(1, report.requests // 10)
    kinds: Counter[str] = Counter()
    errors: Counter[str] = Counter()

    async def client_loop() -> None:
        nonlocal remaining
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            while remaining > 0:
                remaining -= 1
                kind = work.pick()
                kinds[kind] += 1
                try:
                    response = await _one(client, work, keys, kind)
                except httpx.HTTPError as error:
                    errors[f"{kind}: {type(error).__name__}"] += 1
                    continue
                if response.status_code not in (200, 201):
                    errors[f"{kind}: {response.status_code}"] += 1
                else:
                    report.ok += 1
                done = report.requests - remaining
                if done == warmup:
                    report.rss_mb_after_warmup = _rss_mb(sampler.pid)
                if done % warmup == 0 and len(report.rss_mb_by_tenth) < done // warmup:
                    report.rss_mb_by_tenth.append(round(_rss_mb(sampler.pid), 1))

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(report.concurrency)))
    report.wall_s = round(time.perf_counter() - started, 1)
    report.requests_per_s = round(report.requests / report.wall_s, 1)
    report.errors = sum(errors.values())
    report.error_kinds = dict(errors)
    report.by_kind = dict(kinds)


def _env(args: argparse.Namespace, data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "CAC_DATA_DIR": str(data_dir),
        "DATABASE_URL": args.database_url or f"sqlite:///{data_dir / 'cac.db'}",
        "CAC_RATE_LIMIT_PER_SECOND": "100000",
        "CAC_RATE_LIMIT_BURST": "100000",
        "PYTHONUNBUFFERED": "1",
    }
    if not args.real_coder:
        env["CAC_CODER_FACTORY"] = "cac_test_fakes:load_coder"
        env["CAC_CODESETS_FACTORY"] = "cac_test_fakes:load_codesets"
        env["PYTHONPATH"] = os.pathsep.join([str(SUPPORT), os.environ.get("PYTHONPATH", "")])
    return env


def _start(env: dict[str, str], port: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    with log.open("w") as sink:
        process = subprocess.Popen(
            [str(CAC), "serve", "--host", HOST, "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        process.kill()
        raise SystemExit(f"the service did not start:\n{log.read_text()}")
    return process, base


def _keys(base: str, log: Path) -> dict[str, dict[str, str]]:
    printed = [ln.strip() for ln in log.read_text().splitlines() if ln.strip().startswith("cac_")]
    admin = {"Authorization": f"Bearer {printed[0]}"}
    keys = {}
    for role in ("integration", "coder", "analyst"):
        made = httpx.post(
            f"{base}/v1/keys", json={"name": f"soak {role}", "role": role}, headers=admin
        )
        made.raise_for_status()
        keys[role] = {"Authorization": f"Bearer {made.json()['key']}"}
    if not httpx.get(f"{base}/ready", headers=admin, timeout=300).is_success:
        raise SystemExit("the service is not ready (coder or code sets did not load)")
    return keys


def main() -> None:
    """Run the soak and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--sample-s", type=float, default=1.0)
    parser.add_argument("--database-url", default=None, help="default: a throw-away SQLite file")
    parser.add_argument("--real-coder", action="store_true", help="the real NLP coder")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    if not 1 <= args.requests <= 200_000:
        raise SystemExit("--requests must be between 1 and 200000")
    with tempfile.TemporaryDirectory(prefix="cac-soak-") as folder:
        data_dir = Path(folder)
        log = data_dir / "serve.log"
        process, base = _start(_env(args, data_dir), args.port, log)
        try:
            keys = _keys(base, log)
            report = Report(
                requests=args.requests,
                concurrency=args.concurrency,
                coder="real" if args.real_coder else "fake (tests/app/support)",
                database="postgresql" if args.database_url else "sqlite",
                rss_mb_start=_rss_mb(process.pid),
            )
            sampler = Sampler(process.pid, args.sample_s)
            sampler.start()
            asyncio.run(drive(base, keys, report, sampler, args.seed))
            sampler.stopped.set()
            sampler.join()
            report.rss_mb_end = _rss_mb(process.pid)
            samples = [report.rss_mb_start, *sampler.samples, report.rss_mb_end]
            report.rss_mb_max = max(samples)
            report.rss_samples = len(samples)
        finally:
            process.terminate()
            process.wait(timeout=30)
    for name in ("rss_mb_start", "rss_mb_after_warmup", "rss_mb_end", "rss_mb_max"):
        setattr(report, name, round(getattr(report, name), 1))
    if args.json:
        print(json.dumps(asdict(report), indent=2))
    else:
        for name, value in asdict(report).items():
            print(f"{name:>20}: {value}")
    sys.exit(1 if report.errors else 0)


if __name__ == "__main__":
    main()
