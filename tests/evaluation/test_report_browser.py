"""The report opens in headless Chromium and every plot loads, with no network request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from evaluation.gold import GoldChart, sha256_file
from evaluation.results import build_document, write_outputs
from evaluation.runner import run_coder


@pytest.mark.slow
@pytest.mark.browser
def test_report_shows_its_plots_in_a_browser(
    gold_charts: list[GoldChart],
    gold_path: Path,
    replay_factory: Callable[..., object],
    tmp_path: Path,
    pytestconfig: pytest.Config,
    browser: Browser,
) -> None:
    coder = replay_factory(drop=4, wrong=3)
    runs = run_coder(gold_charts, factory=lambda: coder)  # type: ignore[arg-type, return-value]
    document = build_document(
        gold_charts,
        runs,
        gold_path=gold_path,
        gold_sha256=sha256_file(gold_path),
        options={"count_negated": False},
        started=datetime.now(UTC),
        duration_seconds=0.5,
    )
    _, report = write_outputs(document, tmp_path)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(report.as_uri())
    images = page.evaluate(
        "Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth])"
    )
    # kept in test-artifacts/ (git-ignored) for people to look at
    artifacts = pytestconfig.rootpath / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "evaluation-report.png"), full_page=True)
    page.close()
    assert [alt for alt, _, _ in images] == [
        "precision-recall curve",
        "calibration diagram",
        "F1 per chapter",
        "codes with most errors",
    ]
    assert all(complete and width > 300 for _, complete, width in images)
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
    assert (artifacts / "evaluation-report.png").stat().st_size > 50_000
