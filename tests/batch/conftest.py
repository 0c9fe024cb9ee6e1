"""Batch fixtures: a deterministic fake coder (until the real one loads) and one Spark session."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from app.batch.tables import SCHEMAS
from models.coder import Coder
from models.errors import InvalidNote
from models.schema import CodingResult, Evidence, Setting, Suggestion, Versions
from models.worker import CoderLoader


def _fake_loader() -> CoderLoader:
    # Defined inside a function so that Spark pickles it by value: the Python workers cannot
    # import test modules (pytest imports them with --import-mode=importlib).
    lexicon = {"diabetes": ("E11.9", 0.9), "hypertension": ("I10", 0.8), "cough": ("R05.9", 0.7)}

    class FakeCoder:
        """Suggests a code for each keyword of ``lexicon``, with every occurrence as evidence."""

        def code(
            self, text: str, *, setting: Setting = "outpatient", date_of_service: date | None = None
        ) -> CodingResult:
            if "FAIL-THIS-NOTE" in text:
                raise InvalidNote("the fake coder refuses this note")
            suggestions: list[Suggestion] = []
            for word, (code, confidence) in sorted(lexicon.items()):
                found = list(re.finditer(word, text, flags=re.IGNORECASE))
                if not found:
                    continue
                evidence = [Evidence(start=m.start(), end=m.end(), text=m.group()) for m in found]
                suggestions.append(
                    Suggestion(
                        system="ICD-10-CM",
                        code=code,
                        description=f"fake {word}",
                        billable=True,
                        confidence=confidence,
                        rank=len(suggestions) + 1,
                        evidence=evidence,
                        rationale=f"{setting}: {word}",
                        warnings=["fake"] if date_of_service is None else [],
                    )
                )
            return CodingResult(
                suggestions=suggestions,
                mentions=[],
                versions=Versions(icd10cm="t", hcpcs="t", cpt="t", model="fake", pipeline="p"),
                setting=setting,
                date_of_service=date_of_service,
                no_suggestions_reason=None if suggestions else "no keyword",
            )

    def load_fake_coder() -> Coder:
        return FakeCoder()

    return load_fake_coder


@pytest.fixture(scope="session")
def fake_loader() -> CoderLoader:
    """A loader of the deterministic fake coder."""
    return _fake_loader()


def _read_output(output: Path, name: str) -> list[dict[str, Any]]:
    table = pq.read_table(output / name)
    assert table.schema.equals(SCHEMAS[name], check_metadata=False), name
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


@pytest.fixture(scope="session")
def read_output() -> Callable[[Path, str], list[dict[str, Any]]]:
    """Reads one output of a batch run (a directory of Parquet files), checking its schema."""
    return _read_output


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """One Spark session in local mode (2 cores) for the whole test session, logging quietly."""
    pytest.importorskip("pyspark")
    from app.batch.spark import spark_session

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    quiet = {"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "2"}
    session = spark_session("local[2]", app_name="cac-batch-tests", conf=quiet)
    yield session
    session.stop()
