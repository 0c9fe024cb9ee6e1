"""Fixtures for the NLP tests: one pipeline per session over a small hand-written terminology."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codesets.model import System, Term
from nlp.pipeline import ClinicalPipeline

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def terms() -> list[Term]:
    """The small terminology the tests match against."""
    return [
        Term(r["text"], System(r["system"]), r["code"], r["source"], r.get("path"))
        for r in map(json.loads, (DATA / "terms.jsonl").read_text(encoding="utf-8").splitlines())
    ]


@pytest.fixture(scope="session")
def pipeline(terms: list[Term]) -> ClinicalPipeline:
    """The pipeline built once for the session (no cache directory: built in memory)."""
    return ClinicalPipeline(terms)
