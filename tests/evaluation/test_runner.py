"""Running a coder over gold charts: in process, in a pool, with options and failures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from codesets.errors import CACError
from evaluation.errors import CoderUnavailableError
from evaluation.gold import GoldChart
from evaluation.options import CodingOptions, accepts_options
from evaluation.runner import run_coder, versions_of
from models.schema import CodingResult, Setting


class _Failing:
    """Fails with a product error on notes that mention 'pneumonia', crashes on 'COVID'."""

    def code(
        self, text: str, *, setting: Setting = "outpatient", date_of_service: date | None = None
    ) -> CodingResult:
        if "COVID" in text:
            raise RuntimeError(text)  # the message holds note text: it must not be recorded
        raise CACError("note too long")


def test_in_process_run_keeps_order_settings_and_dates(
    gold_charts: list[GoldChart], replay_factory: Callable[..., object]
) -> None:
    coder = replay_factory()
    runs = run_coder(gold_charts[:5], factory=lambda: coder)  # type: ignore[arg-type, return-value]
    assert [run.chart_id for run in runs] == [chart.id for chart in gold_charts[:5]]
    assert all(run.result is not None and run.error is None for run in runs)
    assert coder.calls == [(c.setting, c.date_of_service) for c in gold_charts[:5]]  # type: ignore[attr-defined]
    assert versions_of(runs)["model"] == "test"


def test_setting_override(
    gold_charts: list[GoldChart], replay_factory: Callable[..., object]
) -> None:
    coder = replay_factory()
    run_coder(gold_charts[:3], factory=lambda: coder, setting="inpatient")  # type: ignore[arg-type, return-value]
    assert {setting for setting, _ in coder.calls} == {"inpatient"}  # type: ignore[attr-defined]


def test_failures_are_recorded_without_note_text(
    gold_charts: list[GoldChart], caplog: pytest.LogCaptureFixture
) -> None:
    charts = [c for c in gold_charts if c.id in ("syn-042", "syn-043")]
    with caplog.at_level("DEBUG"):
        runs = run_coder(charts, factory=_Failing)
    assert "syn-043" in caplog.text
    assert "COVID" not in caplog.text
    errors = {run.chart_id: run.error for run in runs}
    assert errors == {"syn-042": "note too long", "syn-043": "RuntimeError"}
    assert all(run.result is None for run in runs)


def test_count_negated_passes_options_to_a_coder_that_takes_them(
    gold_charts: list[GoldChart], options_coder: object
) -> None:
    assert accepts_options(options_coder)
    run_coder(
        gold_charts[:2], factory=lambda: options_coder, options=CodingOptions(include_negated=True)
    )  # type: ignore[arg-type, return-value]
    assert [o.include_negated for o in options_coder.options] == [True, True]  # type: ignore[attr-defined]
    run_coder(gold_charts[:1], factory=lambda: options_coder)  # type: ignore[arg-type, return-value]
    assert options_coder.options[-1] is None  # type: ignore[attr-defined]  # guideline default


def test_count_negated_fails_clearly_when_the_coder_has_no_options(
    gold_charts: list[GoldChart], replay_factory: Callable[..., object]
) -> None:
    coder = replay_factory()
    assert not accepts_options(coder)
    with pytest.raises(CoderUnavailableError, match="does not accept coding options"):
        run_coder(
            gold_charts[:1], factory=lambda: coder, options=CodingOptions(include_negated=True)
        )  # type: ignore[arg-type, return-value]


class _LengthCoder:
    """Suggests I10 with a confidence that depends on the note's length (deterministic)."""

    def code(
        self, text: str, *, setting: Setting = "outpatient", date_of_service: date | None = None
    ) -> CodingResult:
        from models.schema import Evidence, Suggestion, Versions

        suggestion = Suggestion(
            system="ICD-10-CM",
            code="I10",
            description="Essential hypertension",
            billable=True,
            confidence=len(text) % 100 / 100,
            rank=1,
            evidence=[Evidence(start=0, end=1, text=text[:1])],
            rationale="length",
        )
        versions = Versions(icd10cm="2026", hcpcs="x", cpt="x", model="len", pipeline="len")
        return CodingResult(
            suggestions=[suggestion], mentions=[], versions=versions, setting=setting
        )


def test_process_pool_gives_the_same_results_as_one_process(gold_charts: list[GoldChart]) -> None:
    single = run_coder(gold_charts[:8], factory=_LengthCoder)
    pooled = run_coder(gold_charts[:8], factory=_LengthCoder, workers=2)
    assert all(run.result is not None for run in pooled)
    assert [r.result for r in pooled] == [r.result for r in single]
