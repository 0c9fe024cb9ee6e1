"""Acceptance, rejection and edit rates from coder decisions, by hand."""

from __future__ import annotations

import pytest

from codesets.errors import CACError
from evaluation.decisions import Decision, decision_metrics


def test_rates_per_system_and_code_and_the_codes_coders_added() -> None:
    decisions = [
        Decision("ICD-10-CM", "I10", "accepted"),
        Decision("ICD-10-CM", "I10", "accepted"),
        Decision("ICD-10-CM", "I10", "rejected"),
        Decision("ICD-10-CM", "E11.9", "modified"),
        Decision("ICD-10-CM", "E78.5", "added"),
        Decision("ICD-10-CM", "E78.5", "added"),
        Decision("CPT", "99213", "accepted"),
        Decision("CPT", "99214", "added"),
    ]
    result = decision_metrics(decisions)
    overall = result["overall"]
    assert overall["suggested"] == 5  # added codes were not suggested
    assert overall["acceptance_rate"] == pytest.approx(3 / 5)
    assert overall["rejection_rate"] == pytest.approx(1 / 5)
    assert overall["edit_rate"] == pytest.approx(1 / 5)
    assert result["systems"]["CPT"]["acceptance_rate"] == 1.0
    assert result["codes"]["ICD-10-CM:I10"]["acceptance_rate"] == pytest.approx(2 / 3)
    assert result["codes"]["ICD-10-CM:E78.5"]["suggested"] == 0
    assert result["codes"]["ICD-10-CM:E78.5"]["acceptance_rate"] == 0.0
    assert result["added_most"] == [
        {"code": "ICD-10-CM:E78.5", "added": 2},
        {"code": "CPT:99214", "added": 1},
    ]


def test_no_decisions_and_unknown_actions() -> None:
    assert decision_metrics([])["overall"]["acceptance_rate"] == 0.0
    with pytest.raises(CACError, match="unknown decision action"):
        decision_metrics([Decision("CPT", "99213", "approved")])  # type: ignore[arg-type]


def test_decisions_are_read_from_the_service_tables(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from evaluation.decisions_db import load_decisions

    path = tmp_path / "service.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(
            """
            CREATE TABLE suggestions (id INTEGER PRIMARY KEY, system TEXT, code TEXT, status TEXT);
            CREATE TABLE added_codes (id INTEGER PRIMARY KEY, system TEXT, code TEXT);
            INSERT INTO suggestions (system, code, status) VALUES
              ('ICD-10-CM', 'I10', 'accepted'), ('ICD-10-CM', 'E78.5', 'rejected'),
              ('CPT', '99213', 'modified'), ('ICD-10-CM', 'R05.9', 'needs_review');
            INSERT INTO added_codes (system, code) VALUES ('ICD-10-CM', 'Z79.4');
            """
        )
    decisions = load_decisions(f"sqlite:///{path}")
    assert decisions == [
        Decision("ICD-10-CM", "I10", "accepted"),
        Decision("ICD-10-CM", "E78.5", "rejected"),
        Decision("CPT", "99213", "modified"),
        Decision("ICD-10-CM", "Z79.4", "added"),
    ]
    assert decision_metrics(decisions)["overall"]["acceptance_rate"] == pytest.approx(1 / 3)


def test_the_sql_matches_the_service_schema() -> None:
    from app.tables import AddedCode, SuggestionRow

    assert {"system", "code", "status"} <= set(SuggestionRow.__table__.c.keys())
    assert {"system", "code"} <= set(AddedCode.__table__.c.keys())


def test_an_unreadable_database_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from evaluation.decisions_db import load_decisions
    from evaluation.errors import DatasetError

    with pytest.raises(DatasetError, match="cannot read decisions") as caught:
        load_decisions(f"sqlite:///{tmp_path / 'empty.db'}")
    assert "empty.db" not in caught.value.message
    with pytest.raises(DatasetError, match="unusable database URL"):
        load_decisions("not a url")
