"""The gold format's validator: every problem reported with its line number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.errors import GoldFormatError
from evaluation.gold import dump_gold, load_gold, parse_gold_lines

GOOD = {
    "id": "g1",
    "text": "Type 2 diabetes.",
    "setting": "outpatient",
    "codes": [{"system": "ICD-10-CM", "code": "e119", "evidence": [{"start": 0, "end": 15}]}],
}


def _line(**changes: object) -> str:
    return json.dumps({**GOOD, **changes})


def test_a_valid_chart_is_loaded_with_canonical_codes() -> None:
    (chart,) = parse_gold_lines([_line(), ""], source="t")
    assert chart.codes[0].code == "E11.9"
    assert chart.keys() == {("ICD-10-CM", "E11.9")}


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["{not json"], "line 1: not valid JSON"),
        (["[1, 2]"], "line 1: a chart must be a JSON object"),
        ([_line(codes=None)], "line 1: codes"),
        ([_line(extra=1)], "line 1: extra: Extra inputs are not permitted"),
        ([_line(setting="emergency")], "line 1: setting"),
        ([_line(date_of_service="2026-13-01")], "line 1: date_of_service"),
        ([_line(text=None)], "line 1: give exactly one of 'text' and 'text_path'"),
        ([_line(text_path="a.txt")], "line 1: give exactly one of 'text' and 'text_path'"),
        (
            [_line(codes=[{"system": "ICD-9", "code": "250.00"}])],
            "line 1: codes[0]: unknown system",
        ),
        ([_line(codes=[{"system": "CPT", "code": "9921"}])], "line 1: codes[0]: '9921' is not"),
        (
            [
                _line(
                    codes=[
                        {
                            "system": "ICD-10-CM",
                            "code": "I10",
                            "evidence": [{"start": 5, "end": 99}],
                        }
                    ]
                )
            ],
            "line 1: codes[0].evidence[0]: end 99 is past the end of the text (16 characters)",
        ),
        (
            [
                _line(
                    codes=[
                        {"system": "ICD-10-CM", "code": "I10", "evidence": [{"start": 5, "end": 5}]}
                    ]
                )
            ],
            "line 1: codes.0.evidence.0: Value error, span end 5 is not after its start 5",
        ),
        (
            [
                _line(
                    codes=[
                        {"system": "ICD-10-CM", "code": "I10"},
                        {"system": "ICD-10-CM", "code": "i10"},
                    ]
                )
            ],
            "line 1: codes[1]: ICD-10-CM I10 is listed twice",
        ),
        (
            [
                _line(
                    codes=[
                        {"system": "ICD-10-CM", "code": "I10", "principal": True},
                        {"system": "ICD-10-CM", "code": "E78.5", "principal": True},
                    ]
                )
            ],
            "line 1: 2 codes are marked principal",
        ),
        (["", _line(), _line()], "line 3: id 'g1' already used on line 2"),
    ],
)
def test_malformed_charts_are_reported_by_line(lines: list[str], message: str) -> None:
    with pytest.raises(GoldFormatError) as caught:
        parse_gold_lines(lines, source="gold.jsonl")
    assert any(problem.startswith(message) for problem in caught.value.problems), (
        caught.value.problems
    )
    assert caught.value.message.startswith("gold.jsonl: ")


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(GoldFormatError) as caught:
        parse_gold_lines(["{", _line(setting="x"), _line(id="g2")], source="t")
    assert [p.split(":")[0] for p in caught.value.problems] == ["line 1", "line 2"]


def test_text_path_resolves_next_to_the_gold_file(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "g1.txt").write_text("Type 2 diabetes.", encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    record = {**GOOD, "text_path": "notes/g1.txt"}
    del record["text"]
    gold.write_text(json.dumps(record) + "\n", encoding="utf-8")
    (chart,) = load_gold(gold)
    assert chart.text == "Type 2 diabetes."
    record["text_path"] = "notes/missing.txt"
    gold.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(GoldFormatError, match="cannot be read"):
        load_gold(gold)


def test_dump_and_parse_round_trip(gold_charts) -> None:  # type: ignore[no-untyped-def]
    again = parse_gold_lines(dump_gold(gold_charts).splitlines(), source="round trip")
    assert again == gold_charts
