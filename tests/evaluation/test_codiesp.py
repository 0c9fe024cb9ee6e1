"""The CodiEsp adapter on a small split written here, and on the real corpus when present."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.codiesp import codes_by_status, load_codiesp, procedure_count
from evaluation.errors import DatasetError

REAL = Path("/work/shared/data/codiesp")


def _split(root: Path) -> Path:
    (root / "text_files_en").mkdir(parents=True)
    (root / "text_files_en" / "S1.txt").write_text("Renal colic.\nNo edema.\n", encoding="utf-8")
    (root / "text_files_en" / "S2.txt").write_text("Nothing coded.\n", encoding="utf-8")
    (root / "devD.tsv").write_text("S1\tn23\nS1\tr60.9\nS1\tn23\n", encoding="utf-8")
    (root / "devP.tsv").write_text("S1\tbt41zzz\nS1\tct13\n", encoding="utf-8")
    return root


def test_codes_are_canonical_and_kept_once(tmp_path: Path) -> None:
    charts = load_codiesp(_split(tmp_path), "dev", include_procedures=False, setting="inpatient")
    assert [chart.id for chart in charts] == ["S1", "S2"]
    assert [code.code for code in charts[0].codes] == ["N23", "R60.9"]
    assert charts[1].codes == []
    assert charts[0].setting == "inpatient"


def test_procedures_are_a_separate_system(tmp_path: Path) -> None:
    directory = _split(tmp_path)
    charts = load_codiesp(directory, "dev", include_procedures=True)
    assert {code.system for code in charts[0].codes} == {"ICD-10-CM", "ICD-10-PCS"}
    assert procedure_count(directory, "dev") == 2


def test_unknown_and_unbillable_codes_are_counted() -> None:
    from evaluation.gold import GoldChart, GoldCode

    charts = [
        GoldChart(
            id="a",
            text="x",
            codes=[
                GoldCode(system="ICD-10-CM", code="N23"),
                GoldCode(system="ICD-10-CM", code="R60.9"),
            ],
        ),
        GoldChart(id="b", text="x", codes=[GoldCode(system="ICD-10-CM", code="N23")]),
    ]
    status = {"N23": "unknown", "R60.9": "not_billable"}
    assert codes_by_status(charts, "ICD-10-CM", lambda code: status[code]) == {
        "not_billable": {"R60.9": 1},
        "unknown": {"N23": 2},
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [("S1\n", "expected 'doc_id<TAB>code'"), ("S1\tnot a code\n", "not a well-formed")],
)
def test_bad_rows_name_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    directory = _split(tmp_path)
    (directory / "devD.tsv").write_text(content, encoding="utf-8")
    with pytest.raises(DatasetError, match=message):
        load_codiesp(directory, "dev", include_procedures=False)


def test_missing_files_and_texts(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not a CodiEsp split directory"):
        load_codiesp(tmp_path, "dev", include_procedures=False)
    directory = _split(tmp_path / "x")
    (directory / "devD.tsv").write_text("S9\ti10\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="1 coded documents have no text"):
        load_codiesp(directory, "dev", include_procedures=False)


@pytest.mark.skipif(not (REAL / "dev").is_dir(), reason="CodiEsp corpus not present")
def test_the_real_dev_split_loads() -> None:
    charts = load_codiesp(REAL / "dev", "dev", include_procedures=True)
    assert len(charts) == 250
    assert all(chart.text for chart in charts)
    assert sum(1 for chart in charts for code in chart.codes if code.system == "ICD-10-PCS") > 0
