"""``cac bench``: the shape of its report (speed is measured by running it, never asserted)."""

from __future__ import annotations

import json
import pstats
from pathlib import Path

import pytest
from click.testing import CliRunner

from codesets.errors import CACError
from evaluation.bench.probe import STAGES
from evaluation.bench.runner import BenchError, read_notes, run_bench
from evaluation.bench.stats import percentile
from models.worker import CoderLoader, default_loader, process_coder

REQUIRED = {
    "notes": int,
    "words": int,
    "load_s": float,
    "notes_per_s": float,
    "ms_per_note": float,
    "p95_ms": float,
    "p99_ms": float,
    "peak_rss_mb": float,
    "tokenizer_ms_per_note": float,
    "medspacy_ms_per_note": float,
    "ratio_to_tokenizer": float,
    "speedup_vs_medspacy": float,
    "stages_ms_per_note": dict,
    "goals": dict,
}


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [([], 0.5, 0.0), ([5.0], 0.99, 5.0), ([1.0, 2.0, 3.0, 4.0], 0.5, 2.0),
     ([float(v) for v in range(1, 101)], 0.95, 95.0), ([3.0, 1.0, 2.0], 1.0, 3.0)],
)  # fmt: skip
def test_percentile_is_nearest_rank(values: list[float], fraction: float, expected: float) -> None:
    assert percentile(values, fraction) == expected


def test_report_shape_with_anchors(notes_dir: Path, fake_engine_loader: CoderLoader) -> None:
    texts = read_notes(notes_dir)
    report = run_bench(texts, loader=fake_engine_loader)
    for key, kind in REQUIRED.items():
        assert isinstance(report[key], kind), key
    assert report["notes"] == len(texts) == 4
    assert report["words"] == sum(len(t.split()) for t in texts)
    assert report["errors"] == 1 and report["error_types"] == {"InvalidNote": 1}
    assert report["ms_per_note"] <= report["p95_ms"] <= report["p99_ms"] <= report["max_ms"]
    assert set(report["stages_ms_per_note"]) == set(STAGES)
    # The fake reports 0.3 ms of sentences on every note it codes; the refused note has no
    # stages and does not dilute the mean; a stage it does not report counts as 0.
    assert report["stages_ms_per_note"]["sentences"] == pytest.approx(0.3, abs=1e-3)
    assert report["stages_ms_per_note"]["ranking"] == 0.0
    assert report["medspacy_pipeline"][0] == "medspacy_pyrush"
    assert all(isinstance(v, bool) for v in report["goals"].values())


def test_a_coder_without_stages_reports_none(notes_dir: Path) -> None:
    class Plain:
        def code(self, text: str, **_: object) -> object:
            return text

    report = run_bench(read_notes(notes_dir, limit=2), loader=Plain, anchors=False)  # type: ignore[arg-type]
    assert report["stages_ms_per_note"] is None
    assert "tokenizer_ms_per_note" not in report
    assert report["notes"] == 2


def test_profile_writes_stats(
    notes_dir: Path, fake_engine_loader: CoderLoader, tmp_path: Path
) -> None:
    stats = tmp_path / "bench.pstats"
    report = run_bench(
        read_notes(notes_dir), loader=fake_engine_loader, anchors=False, profile=stats
    )
    assert report["profiled"] is True
    assert "work" in {name for _, _, name in pstats.Stats(str(stats)).stats}  # type: ignore[attr-defined]


def test_cli_passes_its_options_and_prints_json(
    notes_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evaluation.bench import cli

    seen: dict[str, object] = {}

    def fake_run_bench(texts: list[str], **options: object) -> dict[str, object]:
        seen.update(options, notes=len(texts))
        return {"notes": len(texts)}

    monkeypatch.setattr(cli, "run_bench", fake_run_bench)
    stats = tmp_path / "p.pstats"
    args = ["--notes", str(notes_dir), "--limit", "2", "--no-anchors", "--profile", str(stats)]
    result = CliRunner().invoke(cli.bench, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"notes": 2}
    assert seen == {"notes": 2, "workers": 1, "anchors": False, "profile": stats}


def test_empty_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match="no non-empty"):
        read_notes(tmp_path)


@pytest.mark.slow
def test_cli_json_with_the_real_coder_and_workers(notes_dir: Path) -> None:
    try:
        process_coder(default_loader)
    except (ImportError, CACError) as error:
        pytest.skip(f"the real coder does not load yet ({error})")
    from evaluation.bench.cli import bench

    args = ["--notes", str(notes_dir), "--json", "--workers", "2", "--no-anchors"]
    result = CliRunner().invoke(bench, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["workers"] == 2 and report["notes"] == 4
    assert report["peak_rss_mb"] > 0
