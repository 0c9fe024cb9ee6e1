"""The converters on tiny synthetic sources, and (when present) on the real sources."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from codesets.convert.alphabetic_index import convert_index
from codesets.convert.cli import PACKAGE_DATA, convert_all, find_hcpcs_file
from codesets.convert.fy2026 import Tabular
from codesets.convert.manifest import jsonl_bytes
from codesets.errors import MalformedCodeSetFile

DATA = Path(__file__).parent / "data"
SOURCE = DATA / "source"
SHARED = Path("/work/shared/data")


@pytest.fixture(scope="module")
def tabular() -> Tabular:
    """A synthetic FY2026 tabular: just the codes the tiny sources name."""
    children = json.loads((DATA / "tiny_tabular.json").read_text(encoding="utf-8"))
    return Tabular(children, "synthetic tabular")


@pytest.fixture(scope="module")
def index_rows(tabular: Tabular) -> dict[int, dict[str, object]]:
    text = (SOURCE / "icd10cm" / "ICD10CM_2025_Index.csv").read_text(encoding="utf-8")
    rows, _ = convert_index(text, tabular)
    return {int(str(row["id"])): row for row in rows}


@pytest.mark.parametrize(
    ("row_id", "path", "code"),
    [
        (5, ["Diabetes, diabetic", "type 2", "with", "neuropathy"], "E11.40"),
        (6, ["Diabetes, diabetic", "type 2", "with", "ketoacidosis"], "E11.1-"),
        (14, ["Pain(s)", "abdominal", "lower"], "R10.30"),
        (11, ["Influenza", "with pneumonia"], "J11.0"),
        (18, ["Xerosis", "(cutis)"], "L85.30"),
    ],
)
def test_paths_come_from_row_order_and_level(
    index_rows: dict[int, dict[str, object]], row_id: int, path: list[str], code: str
) -> None:
    assert index_rows[row_id]["path"] == path
    assert index_rows[row_id]["code"] == code


@pytest.mark.parametrize(
    ("row_id", "status", "code"),
    [
        (5, "kept", "E11.40"),
        (6, "kept_incomplete", "E11.1-"),
        (17, "mapped", "L85.30"),  # one billable code below L85.3
        (15, "category", "E78.2-"),  # several codes below E78.2: no default child
        (16, "dropped", None),
    ],
)
def test_fy2026_classes(
    index_rows: dict[int, dict[str, object]], row_id: int, status: str, code: str | None
) -> None:
    row = index_rows[row_id]
    assert row["status"] == status
    assert row.get("code") == code


def test_given_code_is_kept_only_when_fy2026_differs(
    index_rows: dict[int, dict[str, object]],
) -> None:
    assert index_rows[17]["given"] == "L85.3"
    assert index_rows[16]["given"] == "Z99.99"
    assert "given" not in index_rows[5]


def test_nonessential_modifiers_are_kept_apart(index_rows: dict[int, dict[str, object]]) -> None:
    assert index_rows[2]["nonessential"] == "(mellitus) (sugar)"
    assert index_rows[2]["path"] == ["Diabetes, diabetic"]


@pytest.mark.parametrize(
    ("row_id", "target", "code"),
    [(1, 13, "R10.9"), (8, 10, "J11.1"), (9, 8, "J11.1")],  # Grippe -> Flu -> Influenza
)
def test_see_rows_inherit_their_targets_code(
    index_rows: dict[int, dict[str, object]], row_id: int, target: int, code: str
) -> None:
    row = index_rows[row_id]
    assert (row["see_kind"], row["see_id"], row["code"], row["inherited"]) == (
        "row", target, code, True
    )  # fmt: skip


def test_see_to_a_category_and_see_also_kinds(index_rows: dict[int, dict[str, object]]) -> None:
    assert (index_rows[19]["see_kind"], index_rows[19]["code"]) == ("code", "A66-")
    assert index_rows[7]["see_also_kind"] == "generic"  # "see also condition"
    assert index_rows[12]["see_also_kind"] == "unresolved"


def test_index_counts(tabular: Tabular) -> None:
    text = (SOURCE / "icd10cm" / "ICD10CM_2025_Index.csv").read_text(encoding="utf-8")
    _, counts = convert_index(text, tabular)
    assert counts["fy2026_mapping"] == {
        "kept": 9, "kept_incomplete": 1, "mapped": 2, "category": 2, "dropped": 1
    }  # fmt: skip
    assert counts["rows_with_code"] == sum(counts["fy2026_mapping"].values()) == 15
    assert counts["see"]["rows"] == 4
    assert counts["see"]["inherited_code"] == 3
    assert counts["see_also"] == {
        "rows": 2, "row": 0, "code": 0, "table": 0, "generic": 1, "unresolved": 1
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Row,Letter\n1,A\n", "line 1"),
        ("RowID,Letter,Level,Term,See,SeeAlso,NonEssModif,Code\n1,A,1,x,,,,A00\n", "line 2"),
        ("RowID,Letter,Level,Term,See,SeeAlso,NonEssModif,Code\n1,A,0,x,,,,A00\n2,A,z\n", "line 3"),
        ("RowID,Letter,Level,Term,See,SeeAlso,NonEssModif,Code\n1,A,0,,,,,A00\n", "empty term"),
    ],
)
def test_malformed_index_csv(tabular: Tabular, text: str, message: str) -> None:
    with pytest.raises(MalformedCodeSetFile, match=message):
        convert_index(text, tabular)


def test_gzip_output_has_no_timestamp() -> None:
    data = jsonl_bytes([{"b": 1, "a": "é"}], compress=True)
    assert data[4:8] == b"\0\0\0\0"  # gzip MTIME
    assert gzip.decompress(data) == '{"a":"é","b":1}\n'.encode()


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_conversion_is_deterministic(tmp_path: Path, tabular: Tabular) -> None:
    convert_all(SOURCE, tmp_path / "one", tabular)
    convert_all(SOURCE, tmp_path / "two", tabular)
    first, second = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert first == second
    assert {
        "icd10cm-index/2025/manifest.json",
        "icd10cm-index/2025/index.jsonl.gz",
        "icd10cm-index/2025/neoplasm.jsonl.gz",
        "icd10cm-index/2025/drug.jsonl.gz",
        "hcpcs/2031/hcpcs.jsonl.gz",
        "hcpcs/2031/manifest.json",
        "cpt/sample/manifest.json",
        "cpt/sample/cpt-sample.csv",
    } <= set(first)


def test_manifest_lists_outputs_and_sources(tmp_path: Path, tabular: Tabular) -> None:
    icd, hcpcs, _ = convert_all(SOURCE, tmp_path, tabular)
    assert icd["source"]["publisher"] == "CDC/NCHS"
    assert icd["source"]["release"] == "FY2025 April update"
    assert icd["license"] == "US government work, public domain"
    assert icd["mapped_against"] == "synthetic tabular"
    assert {entry["name"] for entry in icd["source"]["files"]} == {
        "ICD10CM_2025_Index.csv", "icd-10-cm-neoplasm-2025.xml", "icd-10-cm-drug-2025.xml"
    }  # fmt: skip
    assert all(len(entry["sha256"]) == 64 for entry in icd["source"]["files"])
    assert icd["files"]["index.jsonl.gz"]["rows"] == 19
    assert hcpcs["version"] == "2031"
    assert hcpcs["source"]["publisher"] == "CMS"
    assert hcpcs["counts"] == {
        "codes": 4, "codes_terminated": 1, "modifiers": 2, "modifiers_terminated": 1
    }  # fmt: skip


def test_newest_hcpcs_file_is_chosen(tmp_path: Path) -> None:
    for name in ("HCPC2030_ANWEB.txt", "HCPC2031_ANWEB_v2.txt", "notes.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert find_hcpcs_file(tmp_path).name == "HCPC2031_ANWEB_v2.txt"
    with pytest.raises(MalformedCodeSetFile):
        find_hcpcs_file(tmp_path / "absent")


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason="needs the public source files")
def test_shipped_data_is_the_converters_output(tmp_path: Path) -> None:
    from codesets.convert.fy2026 import package_tabular

    source = tmp_path / "source"
    shutil.copytree(SHARED / "icd10cm", source / "icd10cm")
    shutil.copytree(SHARED / "hcpcs", source / "hcpcs")
    convert_all(source, tmp_path / "out", package_tabular())
    produced = _tree(tmp_path / "out")
    assert produced
    for name, data in produced.items():
        assert (PACKAGE_DATA / name).read_bytes() == data, name
