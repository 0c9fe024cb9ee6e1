"""The shipped Alphabetic Index: paths, modifiers, cross-references, FY2026 classes, checksums."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codesets.datafiles import data_folder
from codesets.errors import CodeSetIntegrityError
from codesets.icd10cm.index import (
    IndexEntry,
    display_path,
    index_lookup,
    index_manifest,
    load_index,
    load_index_terms,
)
from codesets.model import System, Term


@pytest.fixture(scope="module")
def entries() -> list[IndexEntry]:
    return load_index()


@pytest.fixture(scope="module")
def terms() -> list[Term]:
    return load_index_terms()


@pytest.mark.parametrize(
    ("parts", "code"),
    [
        (("Diabetes", "type 2", "with neuropathy"), "E11.40"),
        (("diabetes", "TYPE 2", "with", "neuropathy"), "E11.40"),
        (("Diabetes, diabetic", "type 2"), "E11.9"),
        (("Hypertension",), "I10"),
        (("Asthma",), "J45.909"),
        (("Pneumonia", "aspiration"), "J69.0"),
        (("Obesity", "morbid"), "E66.01"),
        (("Failure", "heart", "congestive"), "I50.9"),
        (("Fracture, traumatic", "femur", "neck"), "S72.00-"),  # incomplete: 7th character
        (("Abdominalgia",), "R10.9"),  # "see Pain, abdominal"
        (("Abdominalgia", "lower"), "R10.30"),  # continues below the "see" target
        (("No such term at all",), None),
    ],
)
def test_index_lookup(parts: tuple[str, ...], code: str | None) -> None:
    assert index_lookup(*parts) == code


def test_rows_and_paths(entries: list[IndexEntry]) -> None:
    assert len(entries) == index_manifest()["counts"]["index"]["rows"] == 81_024
    neuropathy = next(
        entry for entry in entries
        if entry.path == ("Diabetes, diabetic", "type 2", "with", "neuropathy")
    )  # fmt: skip
    assert (neuropathy.code, neuropathy.status) == ("E11.40", "kept")


def test_nonessential_modifiers_are_kept(entries: list[IndexEntry]) -> None:
    abasia = next(entry for entry in entries if entry.path == ("Abasia",))
    assert abasia.nonessential == "(-astasia) (hysterical)"
    assert abasia.code == "F44.4"
    assert sum(1 for entry in entries if entry.nonessential) == 12_601


def test_see_reference_is_resolved(entries: list[IndexEntry]) -> None:
    by_id = {entry.id: entry for entry in entries}
    abdominalgia = next(entry for entry in entries if entry.path == ("Abdominalgia",))
    assert abdominalgia.see == "Pain, abdominal"
    assert abdominalgia.see_id is not None
    assert by_id[abdominalgia.see_id].path == ("Pain", "abdominal")
    assert (abdominalgia.code, abdominalgia.inherited) == ("R10.9", True)


def test_manifest_counts_add_up() -> None:
    manifest = index_manifest()
    counts = manifest["counts"]["index"]
    assert sum(counts["fy2026_mapping"].values()) == counts["rows_with_code"]
    assert set(counts["fy2026_mapping"]) == {
        "kept",
        "kept_incomplete",
        "mapped",
        "category",
        "dropped",
    }
    see = counts["see"]
    assert (
        see["row"] + see["code"] + see["table"] + see["generic"] + see["unresolved"] == see["rows"]
    )
    assert see["inherited_code"] + see["subterms_only"] <= see["row"] + see["code"]
    assert "simple-icd-10-cm 1.5.0" in manifest["mapped_against"]
    assert manifest["license"] == "US government work, public domain"
    assert manifest["source"]["release"] == "FY2025 April update"
    assert {entry["name"] for entry in manifest["source"]["files"]} >= {"ICD10CM_2025_Index.csv"}


def test_terms(terms: list[Term]) -> None:
    assert all(term.system is System.ICD10CM and term.source == "index" for term in terms)
    assert not any(term.code.endswith("-") for term in terms)
    neuropathy = [
        term for term in terms if term.path == "Diabetes, diabetic, type 2, with neuropathy"
    ]
    assert [(term.text, term.code) for term in neuropathy] == [("neuropathy", "E11.40")]


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (
            ("Diabetes, diabetic", "type 2", "with", "neuropathy"),
            "Diabetes, diabetic, type 2, with neuropathy",
        ),
        (("Pain", "abdominal"), "Pain, abdominal"),
        (("Fever", "with"), "Fever, with"),
    ],
)
def test_display_path(path: tuple[str, ...], shown: str) -> None:
    assert display_path(path) == shown


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(str(data_folder("icd10cm-index", "2025")), target)
    return target


def test_tampered_file_is_rejected(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    assert len(load_index(folder)) == 81_024
    data = bytearray((folder / "index.jsonl.gz").read_bytes())
    data[-10] ^= 0xFF
    (folder / "index.jsonl.gz").write_bytes(bytes(data))
    with pytest.raises(CodeSetIntegrityError, match="sha256"):
        load_index(folder)


def test_missing_manifest_is_rejected(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "manifest.json").unlink()
    with pytest.raises(CodeSetIntegrityError, match="manifest"):
        load_index_terms(folder)
