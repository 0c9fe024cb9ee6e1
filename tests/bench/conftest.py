"""Bench fixtures: a tiny note directory and a fake engine shaped like ``CodingEngine``."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class _Timings:
    tokenize: float = 0.1
    sections: float = 0.2
    sentences: float = 0.3
    abbreviations: float = 0.0
    mentions: float = 0.4
    assertions: float = 0.5


@dataclass(frozen=True)
class _Document:
    mentions: list[str]
    timings: _Timings = field(default_factory=_Timings)


class _Pipeline:
    def process(self, text: str) -> _Document:
        return _Document(text.split())


class FakeEngine:
    """Has the ``pipeline`` and ``work`` the stage probe reads; refuses the note ``FAIL``."""

    def __init__(self) -> None:
        self.pipeline = _Pipeline()

    def work(self, text: str) -> list[str]:
        return self.pipeline.process(text).mentions

    def code(
        self, text: str, *, setting: Setting = "outpatient", date_of_service: date | None = None
    ) -> CodingResult:
        if text == "FAIL":
            raise InvalidNote("refused")
        self.work(text)
        return CodingResult(
            suggestions=[],
            mentions=[],
            versions=Versions(icd10cm="t", hcpcs="t", cpt="t", model="m", pipeline="p"),
            setting=setting,
            no_suggestions_reason="fake",
        )


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
