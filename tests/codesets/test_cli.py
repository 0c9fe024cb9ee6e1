"""``cac codes`` and ``cac codesets``: exit codes, messages and JSON shapes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import cli
from codesets.errors import InvalidQuery, MalformedCode, UnknownCode, UnknownCodeSystem
from codesets.store import CodeSets

CAC = Path(sys.executable).with_name("cac")


@pytest.fixture(autouse=True)
def _loaded(codesets: CodeSets) -> None:
    """Load the code sets once before the commands use ``get_codesets()``."""


def _run(*args: str) -> dict[str, object] | list[dict[str, object]]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    parsed: dict[str, object] | list[dict[str, object]] = json.loads(result.output)
    return parsed


def test_lookup_json() -> None:
    record = _run("codes", "lookup", "icd10cm", "e1140", "--json")
    assert isinstance(record, dict)
    assert record["code"] == "E11.40"
    assert record["billable"] is True
    assert record["version"] == "2026"
    notes = record["notes"]
    assert isinstance(notes, dict)
    assert "type 1 diabetes mellitus (E10.-)" in notes["excludes1"]
    release = record["release"]
    assert isinstance(release, dict)
    assert release["effective_from"] == "2025-10-01"


def test_lookup_seventh_character_json() -> None:
    record = _run("codes", "lookup", "ICD-10-CM", "S72.001A", "--json", "--date-of-service",
                  "2026-01-15")  # fmt: skip
    assert isinstance(record, dict)
    notes = record["notes"]
    assert isinstance(notes, dict)
    assert notes["seventh_characters"] == {"A": "initial encounter for closed fracture"}


def test_lookup_text() -> None:
    result = CliRunner().invoke(cli, ["codes", "lookup", "ICD-10-CM", "E11"])
    assert result.exit_code == 0
    assert "Type 2 diabetes mellitus" in result.output
    assert "not billable" in result.output


def test_search_json() -> None:
    hits = _run("codes", "search", "type 2 diabetes with diabetic neuropathy", "--json")
    assert isinstance(hits, list)
    assert hits[0]["code"] == "E11.40"
    assert set(hits[0]) == {
        "system", "code", "description", "billable", "score", "matched_term", "source"
    }  # fmt: skip
    assert all(0.0 < float(str(hit["score"])) <= 1.0 for hit in hits)


def test_search_system_and_limit() -> None:
    hits = _run("codes", "search", "wheelchair", "--system", "hcpcs", "--limit", "3", "--json")
    assert isinstance(hits, list)
    assert 0 < len(hits) <= 3
    assert {hit["system"] for hit in hits} == {"HCPCS"}


def test_versions_json() -> None:
    releases = _run("codes", "versions", "--json")
    assert isinstance(releases, list)
    assert {release["system"] for release in releases} == {"ICD-10-CM", "HCPCS", "CPT"}
    cpt = next(release for release in releases if release["system"] == "CPT")
    assert cpt["is_sample"] is True


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["codes", "lookup", "ICD-10-CM", "Z99.999"], UnknownCode),
        (["codes", "lookup", "ICD-10-CM", "not-a-code"], MalformedCode),
        (["codes", "lookup", "ICD-9", "250.00"], UnknownCodeSystem),
        (["codes", "search", "   "], InvalidQuery),
    ],
)
def test_product_errors_propagate(args: list[str], error: type[Exception]) -> None:
    result = CliRunner().invoke(cli, args)
    assert isinstance(result.exception, error)


def test_unknown_code_exits_2_with_a_message() -> None:
    done = subprocess.run(
        [str(CAC), "codes", "lookup", "ICD-10-CM", "Z99.999"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == "error: Z99.999 is not a code of ICD-10-CM 2026"
    assert done.stdout == ""


def test_bad_date_is_a_usage_error() -> None:
    result = CliRunner().invoke(
        cli, ["codes", "lookup", "ICD-10-CM", "E11.9", "--date-of-service", "15/01/2026"]
    )
    assert result.exit_code == 2
    assert "date-of-service" in result.output


def test_verify_reports_every_manifest_file() -> None:
    result = CliRunner().invoke(cli, ["codesets", "verify"])
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output
    assert "file(s) match their manifests" in result.output


def test_build_cache_keeps_a_current_cache() -> None:
    result = CliRunner().invoke(cli, ["codesets", "build-cache"])
    assert result.exit_code == 0, result.output
    assert "loads in" in result.output
