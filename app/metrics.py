"""Prometheus metrics: request latency, notes coded, suggestions by review status."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    """One registry per app, so several apps (tests) never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "cac_request_duration_seconds",
            "HTTP request latency by route template.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.notes_coded = Counter(
            "cac_notes_coded_total", "Notes coded and stored.", ["source"], registry=self.registry
        )
        self.coding_seconds = Histogram(
            "cac_coding_duration_seconds", "Time the coder took per note.", registry=self.registry
        )
        self.suggestions = Gauge(
            "cac_suggestions",
            "Stored suggestions by review status.",
            ["status"],
            registry=self.registry,
        )

    def note_coded(self, source: str, coding_ms: float) -> None:
        """Count a newly coded note and the coder's time on it."""
        self.notes_coded.labels(source=source).inc()
        self.coding_seconds.observe(coding_ms / 1000)

    def exposition(self, suggestions_by_status: dict[str, int]) -> bytes:
        """The text exposition format, with suggestion counts refreshed from the database."""
        for status in ("needs_review", "accepted", "rejected", "modified"):
            self.suggestions.labels(status=status).set(suggestions_by_status.get(status, 0))
        return generate_latest(self.registry)
