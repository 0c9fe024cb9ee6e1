"""Fixtures of the web client's tests: headless Chromium, and the real service to drive.

The browser is the session's headless Chromium (``browser`` in ``tests/conftest.py``). The
service runs in a thread on a free loopback port with a temporary SQLite database and
keys made by ``app.keys.create_key``; its coder is either ``ScriptedCoder`` (deterministic, for
the step-by-step review) or the product's own (``models.engine.load_coder``).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page

from codesets.model import System
from codesets.store import CodeSets
from models.coder import Coder
from models.schema import CodingResult, Evidence, MentionOut, Setting, Suggestion, Versions


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page at 1280×800; a script error or a Content-Security-Policy violation on the
    page fails the test (the service's CSP allows no inline script or style)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    new_page = context.new_page()
    errors: list[str] = []
    new_page.on("pageerror", lambda error: errors.append(str(error)))
    new_page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield new_page
    context.close()
    assert errors == [], f"errors on the page: {errors}"


@pytest.fixture(scope="session")
def artifacts(pytestconfig: pytest.Config) -> Path:
    """``test-artifacts/`` at the repository root (git-ignored): screenshots for people to see."""
    folder = pytestconfig.rootpath / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder


@contextlib.contextmanager
def _serve(app: Any) -> Iterator[str]:
    """Run ``app`` with uvicorn in a thread on a free loopback port; yield its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-web-tests", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def serve() -> Callable[[Any], contextlib.AbstractContextManager[str]]:
    """Start an ASGI app on a free loopback port for the duration of a ``with`` block."""
    return _serve


# --- the review service with a deterministic coder ------------------------------------------

# What the scripted coder finds: (phrase, system, code, confidence, assertion, warnings).
# Only mentions whose assertion is "present" become suggestions; the others show as mentions.
SCRIPT: list[tuple[str, str, str | None, float, str, list[str]]] = [
    ("type 2 diabetes mellitus", "ICD-10-CM", "E11.9", 0.92, "present", []),
    ("essential hypertension", "ICD-10-CM", "I10", 0.88, "present", []),
    (
        "pneumonia",
        "ICD-10-CM",
        "J18.9",
        0.41,
        "present",
        ["Unspecified code: the organism is not documented."],
    ),
    (
        "Hyperlipidemia",
        "ICD-10-CM",
        "E78.5",
        0.74,
        "present",
        ["Unspecified code: query the type of hyperlipidemia."],
    ),
    ("chest pain", "ICD-10-CM", None, 0.0, "negated", []),
    ("breast cancer", "ICD-10-CM", None, 0.0, "family", []),
]


class ScriptedCoder:
    """A deterministic ``models.coder.Coder`` for the browser tests: suggests the script's codes
    where their phrases occur, with descriptions, billable flags and versions from the real
    code sets (so decisions are checked against a real release)."""

    def __init__(self, codesets: CodeSets) -> None:
        self.codesets = codesets

    def code(
        self, text: str, *, setting: Setting = "outpatient", date_of_service: date | None = None
    ) -> CodingResult:
        """Suggest the script's codes found in ``text``, ranked by confidence."""
        found = []
        mentions = []
        for phrase, system, code, confidence, assertion, warnings in SCRIPT:
            start = text.find(phrase)
            if start < 0:
                continue
            end = start + len(phrase)
            flags = {
                name: name == assertion
                for name in ("negated", "uncertain", "historical", "hypothetical", "family")
            }
            mentions.append(
                MentionOut(
                    text=phrase,
                    start=start,
                    end=end,
                    label="problem",
                    section=None,
                    attributes={},
                    assertion=assertion,
                    cues=[],
                    **flags,
                )
            )
            if code is None:
                continue
            entry = self.codesets.lookup(System(system), code, date_of_service=date_of_service)
            evidence = Evidence(start=start, end=end, text=phrase, assertion=assertion)
            found.append((confidence, entry, evidence, warnings))
        found.sort(key=lambda item: -item[0])
        suggestions = [
            Suggestion(
                system=entry.system.value,
                code=entry.code,
                description=entry.description,
                billable=entry.billable,
                confidence=confidence,
                rank=rank,
                evidence=[evidence],
                rationale=f"The note documents “{evidence.text}”.",
                warnings=warnings,
            )
            for rank, (confidence, entry, evidence, warnings) in enumerate(found, start=1)
        ]

        # The release of each system covering the date, as the engine reports them.
        loaded: dict[System, str] = {}
        for release in self.codesets.versions():
            if date_of_service is None or release.covers(date_of_service):
                loaded.setdefault(release.system, release.version)

        def version(system: System) -> str:
            return loaded.get(system, "not loaded")

        return CodingResult(
            suggestions=suggestions,
            mentions=mentions,
            versions=Versions(
                icd10cm=version(System.ICD10CM),
                hcpcs=version(System.HCPCS),
                cpt=version(System.CPT),
                model="scripted-test",
                pipeline="scripted-test",
            ),
            setting=setting,
            date_of_service=date_of_service,
            no_suggestions_reason=None if suggestions else "no scripted phrase found",
        )


SCENARIO_NOTE = """CHIEF COMPLAINT:
Follow-up of diabetes and blood pressure.

HISTORY OF PRESENT ILLNESS:
58-year-old woman with type 2 diabetes mellitus and essential hypertension. She denies chest pain.
Treated for pneumonia last week, improving. Mother had breast cancer.

ASSESSMENT AND PLAN:
1. Diabetes - continue metformin.
2. Blood pressure at goal on lisinopril.
3. Hyperlipidemia - start atorvastatin.
"""

OTHER_NOTES = [
    "ASSESSMENT:\nFollow-up of essential hypertension, stable.\n",
    "Assessment and Plan:\nHyperlipidemia, diet reviewed.\n",
]


@dataclass(frozen=True)
class ReviewService:
    """A running service with seeded notes and a coder key."""

    base_url: str
    coder_key: str
    coder_name: str
    scenario_note_id: int
    other_note_ids: tuple[int, ...]
    analyst_key: str
    integration_key: str

    def api(self) -> httpx.Client:
        """An API client authenticated with the coder key."""
        return httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {self.coder_key}"}
        )


@contextlib.contextmanager
def _review_service(
    folder: Path, coder: Coder, codesets: CodeSets, notes: list[tuple[str, str, str]]
) -> Iterator[ReviewService]:
    """The real service on SQLite in ``folder`` with ``coder``; ``notes`` are posted through
    the API with an integration key as (encounter id, text, date of service)."""
    from app.audit import Actor
    from app.db import session_scope
    from app.keys import create_key
    from app.main import create_app
    from app.security import Role
    from app.settings import Settings

    settings = Settings().model_copy(
        update={
            "database_url": f"sqlite:///{(folder / 'cac.db').as_posix()}",
            "data_dir": folder,
            "rate_limit_per_second": 1000.0,
            "rate_limit_burst": 1000,
        }
    )
    app = create_app(settings, coder=coder, codesets=codesets)
    runtime = app.state.runtime
    operator = Actor(name="web-tests", role="admin")
    with session_scope(runtime.sessions) as session:
        _, integration_key = create_key(
            session, secret=runtime.secret, name="ehr-feed", role=Role.INTEGRATION, actor=operator
        )
        _, coder_key = create_key(
            session, secret=runtime.secret, name="coder-ann", role=Role.CODER, actor=operator
        )
        _, analyst_key = create_key(
            session, secret=runtime.secret, name="analyst-bo", role=Role.ANALYST, actor=operator
        )
    with _serve(app) as base_url:
        ids = []
        with httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {integration_key}"},
            timeout=60,
        ) as client:
            for encounter, text, day in notes:
                response = client.post(
                    "/v1/notes",
                    json={"text": text, "encounter_id": encounter, "date_of_service": day},
                )
                assert response.status_code == 201, response.text
                ids.append(int(response.json()["id"]))
        yield ReviewService(
            base_url, coder_key, "coder-ann", ids[0], tuple(ids[1:]), analyst_key, integration_key
        )


@pytest.fixture(scope="module")
def review_service(
    tmp_path_factory: pytest.TempPathFactory, codesets: CodeSets
) -> Iterator[ReviewService]:
    """The service with the scripted coder and three notes, the first one the scenario."""
    notes = [
        ("ENC-WEB-1", SCENARIO_NOTE, "2026-03-02"),
        ("ENC-WEB-2", OTHER_NOTES[0], "2026-03-05"),
        ("ENC-WEB-3", OTHER_NOTES[1], "2026-03-09"),
    ]
    folder = tmp_path_factory.mktemp("review-service")
    with _review_service(folder, ScriptedCoder(codesets), codesets, notes) as service:
        yield service


@pytest.fixture(scope="module")
def real_coder_service(
    tmp_path_factory: pytest.TempPathFactory, codesets: CodeSets
) -> Iterator[ReviewService]:
    """The service with the product's own coder (``models.engine.load_coder``) and one note."""
    from models.engine import load_coder

    folder = tmp_path_factory.mktemp("real-coder-service")
    notes = [("ENC-REAL-1", SCENARIO_NOTE, "2026-03-02")]
    with _review_service(folder, load_coder(), codesets, notes) as service:
        yield service
