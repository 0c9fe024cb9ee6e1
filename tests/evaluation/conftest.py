"""Fixtures of the evaluation tests: the synthetic gold set and coders that replay it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import pytest

from evaluation.gold import GoldChart, load_gold
from models.engine import CodingOptions
from models.schema import CodingResult, Evidence, Setting, Suggestion, Versions

GOLD = Path(__file__).resolve().parents[1] / "data" / "gold_synthetic.jsonl"
VERSIONS = Versions(icd10cm="2026", hcpcs="2020", cpt="sample", model="test", pipeline="test")

SuggestionSpec = tuple[str, str, float]


def make_result(specs: Sequence[SuggestionSpec], text: str = "x") -> CodingResult:
    """A CodingResult whose suggestions are (system, code, confidence), ranked as given."""
    return CodingResult(
        suggestions=[
            Suggestion(
                system=system,
                code=code,
                description=code,
                billable=True,
                confidence=confidence,
                rank=rank,
                evidence=[Evidence(start=0, end=min(1, len(text)), text=text[:1])],
                rationale="test",
            )
            for rank, (system, code, confidence) in enumerate(specs, start=1)
        ],
        mentions=[],
        versions=VERSIONS,
        setting="outpatient",
    )


class ReplayCoder:
    """Suggests a chart's gold codes back (evidence = the gold spans), with planted errors.

    Every ``drop``-th gold code is left out and every ``wrong``-th chart gets an extra code
    that is not in its gold; confidences are high for gold codes and low for the planted ones.
    """

    def __init__(self, charts: Sequence[GoldChart], drop: int = 0, wrong: int = 0) -> None:
        self._by_text = {chart.text: chart for chart in charts}
        self._drop = drop
        self._wrong = wrong
        self.calls: list[tuple[Setting, date | None]] = []

    def code(
        self,
        text: str,
        *,
        setting: Setting = "outpatient",
        date_of_service: date | None = None,
    ) -> CodingResult:
        """The planted suggestions for ``text``."""
        self.calls.append((setting, date_of_service))
        chart = self._by_text[text]
        index = sorted(self._by_text).index(text)
        suggestions = []
        for position, code in enumerate(chart.codes):
            if self._drop and (index + position) % self._drop == 0:
                continue
            spans = code.evidence or []
            evidence = [
                Evidence(start=s.start, end=s.end, text=text[s.start : s.end]) for s in spans
            ]
            if not evidence:
                evidence = [Evidence(start=0, end=1, text=text[:1])]
            suggestions.append((code, evidence, 0.9 - 0.01 * position))
        results = [
            Suggestion(
                system=code.system,
                code=code.code,
                description=code.code,
                billable=True,
                confidence=confidence,
                rank=rank,
                evidence=evidence,
                rationale="replayed",
            )
            for rank, (code, evidence, confidence) in enumerate(suggestions, start=1)
        ]
        if self._wrong and index % self._wrong == 0:
            results.append(
                Suggestion(
                    system="ICD-10-CM",
                    code="R69",
                    description="Illness, unspecified",
                    billable=True,
                    confidence=0.35,
                    rank=len(results) + 1,
                    evidence=[Evidence(start=0, end=1, text=text[:1])],
                    rationale="planted error",
                )
            )
        return CodingResult(
            suggestions=results,
            mentions=[],
            versions=VERSIONS,
            setting=setting,
            date_of_service=date_of_service,
        )


class OptionsReplayCoder(ReplayCoder):
    """A replay coder that also takes the engine's ``options`` (records what it was asked)."""

    def __init__(self, charts: Sequence[GoldChart]) -> None:
        super().__init__(charts)
        self.options: list[CodingOptions | None] = []

    def code(  # type: ignore[override]
        self,
        text: str,
        *,
        setting: Setting = "outpatient",
        date_of_service: date | None = None,
        options: CodingOptions | None = None,
    ) -> CodingResult:
        """Record ``options`` and replay."""
        self.options.append(options)
        return super().code(text, setting=setting, date_of_service=date_of_service)


@pytest.fixture(scope="session")
def gold_path() -> Path:
    """The synthetic gold set written by the team."""
    return GOLD


@pytest.fixture(scope="session")
def gold_charts() -> list[GoldChart]:
    """The synthetic gold set, loaded and validated."""
    return load_gold(GOLD)


@pytest.fixture()
def result_factory() -> Callable[..., CodingResult]:
    """``make_result``: build a CodingResult from (system, code, confidence) triples."""
    return make_result


@pytest.fixture()
def replay_factory(gold_charts: list[GoldChart]) -> Callable[..., ReplayCoder]:
    """Build a ``ReplayCoder`` over the synthetic gold set with planted errors."""

    def build(drop: int = 0, wrong: int = 0) -> ReplayCoder:
        return ReplayCoder(gold_charts, drop=drop, wrong=wrong)

    return build


@pytest.fixture()
def options_coder(gold_charts: list[GoldChart]) -> OptionsReplayCoder:
    """A replay coder that accepts coding options."""
    return OptionsReplayCoder(gold_charts)
