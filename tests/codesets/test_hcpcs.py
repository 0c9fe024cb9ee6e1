"""HCPCS Level II: the shipped CY2020 release, later CMS files of the same layout, checksums."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from codesets.convert.hcpcs_file import parse_hcpcs
from codesets.datafiles import data_folder
from codesets.errors import CodeSetIntegrityError, MalformedCodeSetFile
from codesets.hcpcs import HcpcsRelease, load_hcpcs
from codesets.model import Code

SYNTHETIC = Path(__file__).parent / "data" / "source" / "hcpcs" / "HCPC2031_ANWEB_synthetic.txt"


@pytest.fixture(scope="module")
def shipped() -> HcpcsRelease:
    return load_hcpcs()


def _by_code(codes: list[Code]) -> dict[str, Code]:
    return {code.code: code for code in codes}


def test_shipped_release(shipped: HcpcsRelease) -> None:
    release = shipped.release
    assert (release.version, release.effective_from, release.effective_to) == (
        "2020", date(2020, 1, 1), date(2020, 12, 31)
    )  # fmt: skip
    assert release.license == "CMS public file"
    assert len(shipped.codes) >= 6_500
    assert len(shipped.modifiers) >= 300


def test_known_code_and_modifier(shipped: HcpcsRelease) -> None:
    j1100 = _by_code(shipped.codes)["J1100"]
    assert "dexamethasone" in j1100.description.lower()
    assert j1100.short_description == "Dexamethasone sodium phos"
    assert j1100.billable
    left = _by_code(shipped.modifiers)["LT"]
    assert left.description.startswith("Left side")
    assert "LT" not in _by_code(shipped.codes)
    assert ("kind", "modifier") in left.extra


def test_long_descriptions_join_continuation_lines(shipped: HcpcsRelease) -> None:
    cp = _by_code(shipped.modifiers)["CP"]
    assert cp.description.endswith("procedure, but reported on a different claim")


def test_terminated_codes_are_not_billable(shipped: HcpcsRelease) -> None:
    a4466 = _by_code(shipped.codes)["A4466"]  # terminated 2016-12-31
    assert not a4466.billable
    assert ("terminated", "2016-12-31") in a4466.extra
    retired = [code for code in shipped.codes if not code.billable]
    assert len(retired) == 605


def test_later_release_of_the_same_layout() -> None:
    later = load_hcpcs(SYNTHETIC)
    assert (later.release.version, later.release.effective_from) == ("2031", date(2031, 1, 1))
    codes = _by_code(later.codes)
    assert codes["A0001"].description == (
        "Synthetic ambulance transport, first line of a long description that goes on "
        "and continues on a second line"
    )
    assert codes["J9999"].billable
    assert not codes["Q0001"].billable  # terminated 2030-12-31, before the release year
    assert codes["Q0002"].billable  # terminated mid-2031: still reportable part of the year
    modifiers = _by_code(later.modifiers)
    assert modifiers["ZZ"].description == "Synthetic modifier for testing with a continuation line"
    assert set(modifiers) == {"ZZ", "ZY"}


def test_year_from_content_when_the_name_has_none(tmp_path: Path) -> None:
    renamed = tmp_path / "alpha_numeric.txt"
    shutil.copyfile(SYNTHETIC, renamed)
    assert load_hcpcs(renamed).release.version == "2031"  # latest action date: 2031-01-01


def _lines() -> list[str]:
    return SYNTHETIC.read_text(encoding="cp1252").splitlines()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda lines: [*lines, "garbage after the records"], r"line 11: not a HCPCS record"),
        (lambda lines: [*lines[:2], lines[3]], r"line 3: continuation of A0001"),
        (lambda lines: [*lines, lines[3]], r"line 11: continuation of A0001"),
        (lambda lines: [*lines[:2], lines[2][:200]], r"line 3: a first record line needs"),
        (lambda lines: [*lines, lines[4]], "line 11: J9999 appears twice"),
        (lambda lines: lines[:2], "no HCPCS records"),
    ],
)
def test_malformed_files(edit: object, message: str) -> None:
    assert callable(edit)
    with pytest.raises(MalformedCodeSetFile, match=message):
        parse_hcpcs("\n".join(edit(_lines())))


def test_bad_date_names_the_line() -> None:
    lines = _lines()
    lines[2] = lines[2][:268] + "20311399" + lines[2][276:]
    with pytest.raises(MalformedCodeSetFile, match="line 3: bad add date"):
        parse_hcpcs("\n".join(lines))


def test_missing_user_file(tmp_path: Path) -> None:
    with pytest.raises(MalformedCodeSetFile, match="does not exist"):
        load_hcpcs(tmp_path / "HCPC2031_ANWEB.txt")


def test_tampered_shipped_file_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "hcpcs"
    shutil.copytree(str(data_folder("hcpcs", "2020")), folder)
    assert len(load_hcpcs(folder=folder).codes) >= 6_500
    (folder / "hcpcs.jsonl.gz").write_bytes(b"not the converted file")
    with pytest.raises(CodeSetIntegrityError, match="sha256"):
        load_hcpcs(folder=folder)
