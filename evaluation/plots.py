"""The report's figures, drawn with matplotlib and returned as base64 PNG (no files, no CDN)."""

from __future__ import annotations

import base64
import io
from typing import Any

# Figures are drawn without pyplot (no global state, no GUI backend): savefig renders with Agg.
from matplotlib.figure import Figure

_COLORS = ("#1f6feb", "#d1242f", "#1a7f37", "#8250df", "#bf8700")


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def pr_curve_plot(systems: dict[str, Any]) -> str:
    """Precision against recall as the confidence threshold falls, one line per system."""
    figure = Figure(figsize=(5.5, 4.2))
    axes = figure.add_subplot()
    for color, (name, metrics) in zip(_COLORS, systems.items(), strict=False):
        points = metrics["pr_curve"]
        if not points:
            continue
        axes.plot(
            [p["recall"] for p in points],
            [p["precision"] for p in points],
            color=color,
            label=name,
            drawstyle="steps-post",
            marker="s" if len(points) == 1 else None,  # one confidence value: one point
        )
        axes.scatter(
            [metrics["micro"]["recall"]],
            [metrics["micro"]["precision"]],
            color=color,
            marker="o",
            zorder=3,
        )
    axes.set(
        xlim=(0, 1.02),
        ylim=(0, 1.02),
        xlabel="recall",
        ylabel="precision",
        title="Precision-recall as the confidence threshold falls (dot: coder's cut-off)",
    )
    axes.title.set_fontsize(9)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower left", fontsize=8)
    return _png(figure)


def calibration_plot(bins: list[dict[str, Any]], ece: float) -> str:
    """A reliability diagram: observed accuracy per confidence bin against the diagonal."""
    figure = Figure(figsize=(5.5, 4.2))
    axes = figure.add_subplot()
    filled = [b for b in bins if b["count"]]
    widths = [b["high"] - b["low"] for b in filled]
    axes.bar(
        [b["low"] for b in filled],
        [b["accuracy"] for b in filled],
        width=widths,
        align="edge",
        color="#1f6feb",
        alpha=0.75,
        edgecolor="white",
        label="accuracy",
    )
    axes.plot([0, 1], [0, 1], linestyle="--", color="#57606a", label="perfect calibration")
    for b in filled:
        axes.text(
            b["low"] + (b["high"] - b["low"]) / 2,
            min(b["accuracy"] + 0.02, 0.97),
            str(b["count"]),
            ha="center",
            fontsize=7,
        )
    axes.set(
        xlim=(0, 1),
        ylim=(0, 1),
        xlabel="confidence",
        ylabel="fraction correct",
        title=f"Calibration (ECE {ece:.3f}; numbers: suggestions per bin)",
    )
    axes.title.set_fontsize(9)
    axes.legend(loc="upper left", fontsize=8)
    return _png(figure)


def chapter_plot(chapters: dict[str, dict[str, Any]]) -> str:
    """Horizontal bars of F1 per chapter; each label carries the chapter's gold support."""
    names = list(chapters)[::-1]
    labels = [f"{name} (n={chapters[name]['support']})" for name in names]
    figure = Figure(figsize=(7.0, max(2.0, 0.32 * len(names) + 1.0)))
    axes = figure.add_subplot()
    axes.barh(labels, [chapters[n]["f1"] for n in names], color="#1a7f37", alpha=0.8)
    axes.set(xlim=(0, 1), xlabel="F1", title="F1 per chapter / section (n: gold codes)")
    axes.title.set_fontsize(9)
    axes.tick_params(axis="y", labelsize=7)
    return _png(figure)


def worst_codes_plot(rows: list[tuple[str, dict[str, Any]]]) -> str:
    """Stacked bars of false negatives and false positives for the codes with most errors."""
    labels = [label for label, _ in rows][::-1]
    fn = [row["fn"] for _, row in rows][::-1]
    fp = [row["fp"] for _, row in rows][::-1]
    figure = Figure(figsize=(7.0, max(2.0, 0.3 * len(labels) + 1.0)))
    axes = figure.add_subplot()
    axes.barh(labels, fn, color="#d1242f", alpha=0.85, label="missed (FN)")
    axes.barh(labels, fp, left=fn, color="#bf8700", alpha=0.85, label="wrong (FP)")
    axes.set(xlabel="charts", title="Codes with the most errors")
    axes.title.set_fontsize(9)
    axes.tick_params(axis="y", labelsize=7)
    axes.legend(loc="lower right", fontsize=8)
    return _png(figure)
