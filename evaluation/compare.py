"""Compare two runs: metric deltas and a paired bootstrap over charts.

Both runs are resampled with the same chart draws (a paired bootstrap, Koehn 2004; Berg-
Kirkpatrick et al. 2012), so a delta is judged against the variation that comes from which
charts happened to be in the gold set. A change is called significant when its 95% bootstrap
interval excludes 0. Per-code calls are not corrected for multiple comparisons: read them as
where to look, not as proof.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from evaluation.codes import parse_key_label
from evaluation.errors import MetricsFileError

FORMAT = "cac-eval-metrics/1"
Matrix = npt.NDArray[np.float32]  # counts up to 2**24 are exact; half the memory


def load_metrics(path: Path) -> dict[str, Any]:
    """Read a ``metrics.json`` written by ``cac eval run``; raises ``MetricsFileError``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MetricsFileError(f"{path}: cannot be read ({type(error).__name__})") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise MetricsFileError(f"{path}: not a metrics file of this harness ({FORMAT})")
    return data


def _matrices(
    charts: Sequence[dict[str, Any]], labels: Sequence[str]
) -> tuple[Matrix, Matrix, Matrix]:
    column = {label: j for j, label in enumerate(labels)}
    shape = (len(charts), len(labels))
    tp, fp, fn = (np.zeros(shape, dtype=np.float32) for _ in range(3))
    for i, chart in enumerate(charts):
        for name, matrix in (("tp", tp), ("fp", fp), ("fn", fn)):
            for label in chart[name]:
                matrix[i, column[label]] = 1.0
    return tp, fp, fn


def _f1(tp: Matrix, fp: Matrix, fn: Matrix) -> Matrix:
    denominator = 2 * tp + fp + fn
    return np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)


def _interval(deltas: Matrix, observed: float) -> dict[str, Any]:
    low, high = np.percentile(deltas, [2.5, 97.5])
    p_value = min(1.0, 2 * min(float(np.mean(deltas <= 0)), float(np.mean(deltas >= 0))))
    return {
        "delta": observed,
        "ci95": [float(low), float(high)],
        "p_value": p_value,
        "significant": bool(low > 0 or high < 0),
    }


def _ap_vector(charts: Sequence[dict[str, Any]], system: str) -> tuple[Matrix, Matrix]:
    values = [chart["ap"].get(system) for chart in charts]
    has = np.array([v is not None for v in values], dtype=np.float32)
    return np.array([v or 0.0 for v in values], dtype=np.float32), has


def paired_bootstrap(
    a: dict[str, Any], b: dict[str, Any], *, resamples: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """Bootstrap deltas (B - A) of micro F1 and MAP per system and of per-code F1."""
    charts_a = {c["id"]: c for c in a["metrics"]["charts"]}
    charts_b = {c["id"]: c for c in b["metrics"]["charts"]}
    ids = [chart_id for chart_id in charts_a if chart_id in charts_b]
    if not ids:
        raise MetricsFileError("the two runs have no chart in common")
    rows_a = [charts_a[i] for i in ids]
    rows_b = [charts_b[i] for i in ids]
    labels = sorted(
        {label for row in (*rows_a, *rows_b) for name in ("tp", "fp", "fn") for label in row[name]}
    )
    ma, mb = _matrices(rows_a, labels), _matrices(rows_b, labels)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(ids), size=(resamples, len(ids)))
    weights = np.stack([np.bincount(row, minlength=len(ids)) for row in draws]).astype(np.float32)
    sums_a = [weights @ m for m in ma]
    sums_b = [weights @ m for m in mb]
    systems = sorted(set(a["metrics"]["systems"]) & set(b["metrics"]["systems"]))
    label_systems = np.array([parse_key_label(label)[0] for label in labels])
    result: dict[str, Any] = {"charts": len(ids), "resamples": resamples, "seed": seed}
    for system in ["overall", *systems]:
        mask = np.ones(len(labels), bool) if system == "overall" else label_systems == system
        totals_a = [s[:, mask].sum(axis=1) for s in sums_a]
        totals_b = [s[:, mask].sum(axis=1) for s in sums_b]
        observed_a = [m[:, mask].sum() for m in ma]
        observed_b = [m[:, mask].sum() for m in mb]
        delta_f1 = _f1(*totals_b) - _f1(*totals_a)
        observed = float(_f1(*map(np.array, observed_b)) - _f1(*map(np.array, observed_a)))
        ap_a, has_a = _ap_vector(rows_a, system)
        ap_b, has_b = _ap_vector(rows_b, system)
        counted_a, counted_b = weights @ has_a, weights @ has_b
        map_a = np.divide(weights @ ap_a, counted_a, out=np.zeros(resamples), where=counted_a > 0)
        map_b = np.divide(weights @ ap_b, counted_b, out=np.zeros(resamples), where=counted_b > 0)
        observed_map = float(
            (ap_b.sum() / max(has_b.sum(), 1)) - (ap_a.sum() / max(has_a.sum(), 1))
        )
        result[system] = {
            "micro_f1": _interval(delta_f1, observed),
            "map": _interval(map_b - map_a, observed_map),
        }
    code_a = _f1(*(m.sum(axis=0) for m in ma))
    code_b = _f1(*(m.sum(axis=0) for m in mb))
    code_deltas = _f1(*sums_b) - _f1(*sums_a)
    changes = []
    for j, label in enumerate(labels):
        observed = float(code_b[j] - code_a[j])
        if observed == 0:
            continue
        entry = _interval(code_deltas[:, j], observed)
        changes.append({"code": label, "f1_a": float(code_a[j]), "f1_b": float(code_b[j]), **entry})
    changes.sort(key=lambda row: (not row["significant"], -abs(row["delta"]), row["code"]))
    result["codes"] = changes
    return result


def _headline(metrics: dict[str, Any]) -> dict[str, float]:
    return {
        "micro_precision": metrics["micro"]["precision"],
        "micro_recall": metrics["micro"]["recall"],
        "micro_f1": metrics["micro"]["f1"],
        "macro_f1": metrics["macro"]["f1"],
        "map": metrics["ranking"]["map"],
        "ece": metrics["calibration"]["ece"],
    }


def compare_runs(a: dict[str, Any], b: dict[str, Any], *, resamples: int = 1000) -> dict[str, Any]:
    """Headline metrics of both runs with their deltas, the bootstrap, and warnings."""
    sections = {"overall": (a["metrics"]["overall"], b["metrics"]["overall"])}
    for system in sorted(set(a["metrics"]["systems"]) & set(b["metrics"]["systems"])):
        sections[system] = (a["metrics"]["systems"][system], b["metrics"]["systems"][system])
    deltas = {}
    for name, (left, right) in sections.items():
        ha, hb = _headline(left), _headline(right)
        deltas[name] = {k: {"a": ha[k], "b": hb[k], "delta": hb[k] - ha[k]} for k in ha}
    warnings = []
    if a["gold"]["sha256"] != b["gold"]["sha256"]:
        warnings.append("the runs were scored on different gold files (sha256 differs)")
    if a["harness"]["options"] != b["harness"]["options"]:
        warnings.append("the runs used different harness options")
    return {
        "a": {"versions": a["versions"], "created_at": a["created_at"]},
        "b": {"versions": b["versions"], "created_at": b["created_at"]},
        "warnings": warnings,
        "deltas": deltas,
        "bootstrap": paired_bootstrap(a, b, resamples=resamples),
    }


def format_comparison(comparison: dict[str, Any], *, max_codes: int = 20) -> str:
    """A plain-text summary of ``compare_runs`` for the terminal."""
    lines = [f"warning: {w}" for w in comparison["warnings"]]
    boot = comparison["bootstrap"]
    for section, rows in comparison["deltas"].items():
        lines.append(f"\n{section}")
        lines.append(f"  {'metric':<16}{'A':>8}{'B':>8}{'B-A':>9}  95% CI (bootstrap)")
        for metric, row in rows.items():
            extra = ""
            if metric in ("micro_f1", "map") and section in boot:
                test = boot[section][metric]
                low, high = test["ci95"]
                flag = "significant" if test["significant"] else "n.s."
                extra = f"  [{low:+.3f}, {high:+.3f}] p={test['p_value']:.3f} {flag}"
            lines.append(
                f"  {metric:<16}{row['a']:>8.3f}{row['b']:>8.3f}{row['delta']:>+9.3f}{extra}"
            )
    codes = boot["codes"]
    significant = [row for row in codes if row["significant"]]
    lines.append(
        f"\nper-code F1 changes: {len(codes)} codes changed, {len(significant)} significant "
        f"({boot['charts']} charts, {boot['resamples']} resamples; not corrected for "
        "multiple comparisons)"
    )
    for row in codes[:max_codes]:
        low, high = row["ci95"]
        flag = "*" if row["significant"] else " "
        lines.append(
            f" {flag} {row['code']:<24}{row['f1_a']:>7.3f} -> {row['f1_b']:<7.3f}"
            f"{row['delta']:>+8.3f}  [{low:+.3f}, {high:+.3f}]"
        )
    return "\n".join(lines)
