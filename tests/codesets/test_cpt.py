"""CPT: the built-in non-licensed sample and a user's licensed CSV (format and errors)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codesets.cpt import CptRelease, load_cpt
from codesets.datafiles import data_folder, read_manifest
from codesets.errors import CodeSetIntegrityError, MalformedCodeSetFile
from codesets.model import System

HEADER = "code,short_descriptor,long_descriptor\n"


@pytest.fixture(scope="module")
def sample() -> CptRelease:
    return load_cpt()


def test_sample_is_flagged_everywhere(sample: CptRelease) -> None:
    assert sample.release.is_sample
    assert sample.release.version == "sample-2026"
    assert sample.codes
    assert all(code.is_sample and code.system is System.CPT for code in sample.codes)
    manifest = read_manifest(data_folder("cpt", "sample"))
    assert manifest["is_sample"] is True
    assert "Non-licensed sample" in manifest["source"]["description"]
    assert sample.release.source.startswith("Non-licensed sample")


def test_sample_contents(sample: CptRelease) -> None:
    codes = {code.code: code for code in sample.codes}
    office = sorted(code for code in codes if "99201" <= code <= "99215")
    assert office == ["99202", "99203", "99204", "99205", *(f"9921{n}" for n in range(1, 6))]
    assert {"36415", "80053", "85025", "93000", "71046", "90471", "90686", "20610", "99391"} <= set(
        codes
    )
    assert len(codes) - len(office) >= 100
    assert all(code.short_description and code.description for code in codes.values())


def test_licensed_file(tmp_path: Path) -> None:
    path = tmp_path / "cpt-2027.csv"
    path.write_text(
        "\ufeff" + HEADER + '99213,Our short text,"Our long text, with a comma"\n0001F,Measure,\n',
        encoding="utf-8",
    )
    loaded = load_cpt(path)
    assert loaded.release.version == "2027" and not loaded.release.is_sample
    assert [(c.code, c.description, c.short_description) for c in loaded.codes] == [
        ("99213", "Our long text, with a comma", "Our short text"),
        ("0001F", "Measure", "Measure"),  # empty long descriptor: the short one stands in
    ]
    assert not any(code.is_sample for code in loaded.codes)
    assert load_cpt(tmp_path / "cpt-2027.csv", year=2028).release.version == "2028"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("code,description\n99213,x\n", "line 1: the header must be"),
        (HEADER + "99213,Visit\n", "line 2: 2 fields, expected 3"),
        (HEADER + "99213,Visit,Long\n9921,Short,Long\n", "line 3: '9921' is not a CPT code"),
        (HEADER + "99213,Visit,Long\n\n99213,Again,Long\n", "line 4: 99213 appears twice"),
        (HEADER + "99213,,Long\n", "line 2: 99213 has no short_descriptor"),
        (HEADER, "no codes after the header"),
        (HEADER + "J1100,x,y\n99213,a,b,c\n", "2 bad line.*line 2: .*line 3: 4 fields"),
    ],
)
def test_malformed_csv(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "cpt-2027.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(MalformedCodeSetFile, match=message):
        load_cpt(path)


def test_year_is_required(tmp_path: Path) -> None:
    path = tmp_path / "cpt.csv"
    path.write_text(HEADER + "99213,a,b\n", encoding="utf-8")
    with pytest.raises(MalformedCodeSetFile, match="year"):
        load_cpt(path)


def test_not_utf8_and_missing(tmp_path: Path) -> None:
    path = tmp_path / "cpt-2027.csv"
    path.write_bytes(HEADER.encode() + b"99213,caf\xe9,b\n")
    with pytest.raises(MalformedCodeSetFile, match="not UTF-8"):
        load_cpt(path)
    with pytest.raises(MalformedCodeSetFile, match="does not exist"):
        load_cpt(tmp_path / "cpt-2030.csv")


def test_tampered_sample_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "sample"
    shutil.copytree(str(data_folder("cpt", "sample")), folder)
    assert load_cpt(folder=folder).codes
    with (folder / "cpt-sample.csv").open("a", encoding="utf-8") as out:
        out.write("99499,Extra,Added after the manifest\n")
    with pytest.raises(CodeSetIntegrityError, match="sha256"):
        load_cpt(folder=folder)
