"""The shipped Table of Neoplasms, Table of Drugs and Chemicals and External Cause Index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codesets.convert.cli import convert_all
from codesets.convert.fy2026 import Tabular
from codesets.icd10cm.index import (
    drug_row,
    index_manifest,
    load_drug_table,
    load_drug_terms,
    load_external_cause_terms,
    load_neoplasm_table,
    load_neoplasm_terms,
    neoplasm_row,
)

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    ("site", "column", "code"),
    [
        (("lung",), "malignant_primary", "C34.9-"),  # the table gives C34.9-; the tabular adds side
        (("lung",), "malignant_secondary", "C78.0-"),
        (("lung",), "uncertain_behavior", "D38.1"),
        (("lung", "upper lobe"), "malignant_primary", "C34.1-"),
        (("LUNG", "Upper Lobe"), "benign", "D14.3-"),
        (("accessory sinus",), "malignant_primary", "C31.9"),  # "see Neoplasm, sinus"
    ],
)
def test_neoplasm_lookup(site: tuple[str, ...], column: str, code: str) -> None:
    row = neoplasm_row(*site)
    assert row is not None
    assert getattr(row, column) == code


@pytest.mark.parametrize(
    ("substance", "column", "code"),
    [
        (("Acetaminophen",), "poisoning_accidental", "T39.1X1-"),
        (("acetaminophen",), "adverse_effect", "T39.1X5-"),
        (("Acetaminophen",), "underdosing", "T39.1X6-"),
        (("Aleve",), "poisoning_intentional", "T39.312-"),  # "see Naproxen"
    ],
)
def test_drug_lookup(substance: tuple[str, ...], column: str, code: str) -> None:
    row = drug_row(*substance)
    assert row is not None
    assert getattr(row, column) == code


def test_unknown_rows() -> None:
    assert neoplasm_row("no such site") is None
    assert drug_row("no such substance") is None


def test_table_sizes_and_dashes() -> None:
    neoplasms = load_neoplasm_table()
    assert len(neoplasms) == 1_939  # the 1,938 terms and the site-unspecified line
    assert neoplasms[0].path == () and neoplasms[0].malignant_primary == "C80.1"
    connective = [
        row for row in neoplasms if row.path == ("abdomen, abdominal", "wall", "connective tissue")
    ]
    assert connective[0].ca_in_situ is None  # the table's "-": no code
    assert len(load_drug_table()) == index_manifest()["counts"]["drug"]["rows"]


def test_table_terms() -> None:
    lung = [
        term for term in load_neoplasm_terms() if term.path == "Neoplasm, lung, malignant primary"
    ]
    assert [(term.text, term.code, term.source) for term in lung] == [("lung", "C34.9", "neoplasm")]
    acetaminophen = [
        term for term in load_drug_terms()
        if term.path == "Drug table, Acetaminophen, poisoning accidental"
    ]  # fmt: skip
    assert [(term.code, term.source) for term in acetaminophen] == [("T39.1X1", "drug")]
    causes = load_external_cause_terms()
    assert causes and all(
        term.source == "eindex" and not term.code.endswith("-") for term in causes
    )


def test_table_manifest_counts() -> None:
    counts = index_manifest()["counts"]
    for table in ("neoplasm", "drug", "eindex"):
        mapping = counts[table]["fy2026_mapping"]
        assert set(mapping) == {"kept", "kept_incomplete", "mapped", "category", "dropped"}
        assert sum(mapping.values()) > 0
    # Every drug-table code needs its 7th character (encounter), so none is billable as given.
    assert counts["drug"]["fy2026_mapping"]["category"] == counts["drug"]["cells"]


def test_synthetic_tables(tmp_path: Path) -> None:
    children = json.loads((DATA / "tiny_tabular.json").read_text(encoding="utf-8"))
    convert_all(DATA / "source", tmp_path, Tabular(children, "synthetic"))
    folder = tmp_path / "icd10cm-index" / "2025"
    neoplasms = {row.path: row for row in load_neoplasm_table(folder)}
    assert neoplasms[("lung",)].nonessential == "(bronchus)"
    assert neoplasms[("lung", "upper lobe")].malignant_secondary is None
    assert neoplasms[("pulmonary",)].malignant_primary == "C34.9-"  # inherited from "see"
    drugs = {row.path: row for row in load_drug_table(folder)}
    assert drugs[("Acetaminophen",)].nonessential == "(oral)"
    assert drugs[("Tylenol",)].adverse_effect == "T39.1X5-"
    assert drugs[("Lead",)].poisoning_accidental == "T56.0X1-"
    assert drugs[("Lead",)].adverse_effect is None
