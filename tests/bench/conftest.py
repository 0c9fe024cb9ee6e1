"""Bench fixtures: a tiny note directory and a fake engine shaped like ``CodingEngine``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from models.coder import Coder
from models.errors import InvalidNote
from models.schema import CodingResult, Setting, Versions
from models.worker import CoderLoader

NOTES = {
    "a.txt": "Chief complaint: cough.\nAssessment: acute bronchitis. Plan: fluids and rest.",
    "b.txt": "History of present illness: chest pain on exertion for two weeks.",
    "c.txt": "Type 2 diabetes mellitus, well controlled on metformin.\nHypertension.",
    "d.txt": "FAIL",
}


# What the fake reports per coded note (the real engine reports every stage of STAGES).
STAGE_MS = {"tokenize": 0.1, "sections": 0.2, "sentences": 0.3, "mentions": 0.4, "candidates": 0.5}


class FakeEngine:
    """Has the engine's ``code_timed``; refuses the note ``FAIL``."""

    def work(self, text: str) -> list[str]:
        return text.split()

    def code_timed(
        self, text: str, *, setting: Setting = "outpatient", date_of_service: date | None = None
    ) -> tuple[CodingResult, dict[str, float]]:
        if text == "FAIL":
            raise InvalidNote("refused")
        self.work(text)
        result = CodingResult(
            suggestions=[],
            mentions=[],
            versions=Versions(icd10cm="t", hcpcs="t", cpt="t", model="m", pipeline="p"),
            setting=setting,
            no_suggestions_reason="fake",
        )
        return result, dict(STAGE_MS)

    def code(
        self, text: str, *, setting: Setting = "outpatient", date_of_service: date | None = None
    ) -> CodingResult:
        return self.code_timed(text, setting=setting, date_of_service=date_of_service)[0]


def load_fake_engine() -> Coder:
    """A fresh fake engine."""
    return FakeEngine()


@pytest.fixture
def notes_dir(tmp_path: Path) -> Path:
    """A directory of four tiny synthetic notes, one of which the fake engine refuses."""
    for name, text in NOTES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "ignored.md").write_text("not a note", encoding="utf-8")
    return tmp_path


@pytest.fixture
def fake_engine_loader() -> CoderLoader:
    """Loads the fake engine."""
    return load_fake_engine
