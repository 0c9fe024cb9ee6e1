"""The NegEx kit adapter: locating conditions, reading the TSV and scoring."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from codesets.model import Term
from evaluation.negex import NegexFileError, locate, negex_command, read_kit, score
from nlp.pipeline import ClinicalPipeline

HEADER = "line number\tCondition\tsentence\tnegation_status\ttemporality\texperiencer\n"
ROWS = [
    ("1", "edema", "Extremities reveal no cyanosis or EDEMA.", "Negated", "Recent", "Patient"),
    ("2", "anemia", "He has a history of ANEMIA.", "Affirmed", "Historical", "Patient"),
    ("3", "colon polyps", "Family history of COLON POLYPS.", "Affirmed", "Historical", "Other"),
    ("4", "fever", "She reports FEVER.", "Affirmed", "Recent", "Patient"),
    ("5", "cough", "No COUGH but fever.", "Affirmed", "Recent", "Patient"),
]


@pytest.fixture(scope="module")
def assertion_pipeline() -> ClinicalPipeline:
    empty: list[Term] = []
    return ClinicalPipeline(empty, fuzzy=False)


@pytest.fixture
def kit(tmp_path: Path) -> Path:
    path = tmp_path / "kit.tsv"
    path.write_text(HEADER + "".join("\t".join(r) + "\n" for r in ROWS), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("condition", "sentence", "expected"),
    [
        ("edema", "no cyanosis or EDEMA.", "EDEMA"),
        ("smokes   cigarettes", "The patient SMOKES   CIGARETTES.", "SMOKES   CIGARETTES"),
        ("allergies", "ALLERGIES:  He has no known ALLERGIES.", "ALLERGIES"),
        ("PE", "Rule out pe and PE.", "PE"),
        ("gout", "no such word here", None),
    ],
)
def test_locate(condition: str, sentence: str, expected: str | None) -> None:
    found = locate(condition, sentence)
    if expected is None:
        assert found is None
        return
    assert found is not None
    assert sentence[found[0] : found[1]] == expected
    if condition == "allergies":
        assert found[0] > sentence.index(":")


def test_read_and_score(kit: Path, assertion_pipeline: ClinicalPipeline) -> None:
    rows = read_kit(kit)
    assert [r.line for r in rows] == ["1", "2", "3", "4", "5"]
    metrics, errors = score(rows, assertion_pipeline)
    assert metrics["n"] == 5
    # row 5 is annotated affirmed though "No" precedes it: one false positive, nothing missed
    assert metrics["negation"] == {
        "precision": 0.5,
        "recall": 1.0,
        "f1": 0.6667,
        "tp": 1,
        "fp": 1,
        "fn": 0,
        "tn": 3,
    }
    assert metrics["historical"]["tp"] == 2 and metrics["historical"]["f1"] == 1.0
    assert metrics["experiencer"]["accuracy"] == 1.0
    assert [e["line"] for e in errors] == ["5"]


def test_command_json(kit: Path, assertion_pipeline: ClinicalPipeline) -> None:
    result = CliRunner().invoke(
        negex_command, [str(kit), "--json"], obj={"pipeline": assertion_pipeline}
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert set(payload) == {"negation", "historical", "experiencer", "n"}
    assert set(payload["negation"]) >= {"precision", "recall", "f1"}


def test_bad_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(NegexFileError, match="cannot read"):
        read_kit(tmp_path / "absent.tsv")
    flat = tmp_path / "flat.tsv"
    flat.write_text("just one column\n", encoding="utf-8")
    with pytest.raises(NegexFileError, match="not a NegEx kit file"):
        read_kit(flat)


DEV_KIT = Path(os.environ.get("CAC_NEGEX_DEV", "/work/shared/data/negex/negex_annotations_dev.tsv"))


@pytest.mark.slow
@pytest.mark.skipif(not DEV_KIT.is_file(), reason="the NegEx kit is not available")
def test_dev_half_meets_the_goals(assertion_pipeline: ClinicalPipeline) -> None:
    metrics, _errors = score(read_kit(DEV_KIT), assertion_pipeline)
    assert metrics["negation"]["f1"] >= 0.96
    assert metrics["historical"]["f1"] >= 0.80
