"""Per-stage time of one ``code`` call, read without changing the engine.

The clinical pipeline already times its own stages (``ClinicalDocument.timings``, milliseconds);
the probe keeps the last document's timings and times the engine's ``work`` step around it, so
``candidates`` is work minus NLP and ``ranking`` is the rest of the call (scoring and output).
A coder without those parts simply reports no stages.
"""

from __future__ import annotations

import time
from dataclasses import asdict, is_dataclass
from typing import Any

from models.coder import Coder

# The stages the report splits time into, in pipeline order.
NLP_STAGES = ("tokenize", "sections", "sentences", "abbreviations", "mentions", "assertions")
STAGES = (*NLP_STAGES, "nlp_other", "candidates", "ranking")


class _TimedPipeline:
    """Stands in for the engine's pipeline and keeps the timings of the last document."""

    def __init__(self, inner: Any, probe: StageProbe) -> None:
        self._inner = inner
        self._probe = probe

    def process(self, text: str) -> Any:
        started = time.perf_counter()
        document = self._inner.process(text)
        self._probe.nlp_ms = 1000 * (time.perf_counter() - started)
        timings = getattr(document, "timings", None)
        if is_dataclass(timings) and not isinstance(timings, type):
            self._probe.nlp_stages = {k: float(v) for k, v in asdict(timings).items()}
        return document

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class StageProbe:
    """Installs itself on a ``CodingEngine``-like coder and splits each call's time by stage."""

    def __init__(self, coder: Coder) -> None:
        self.nlp_ms = 0.0
        self.work_ms = 0.0
        self.nlp_stages: dict[str, float] = {}
        target: Any = coder
        self.active = hasattr(target, "pipeline") and hasattr(target, "work")
        if self.active:
            target.pipeline = _TimedPipeline(target.pipeline, self)
            inner_work = target.work

            def timed_work(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return inner_work(*args, **kwargs)
                finally:
                    self.work_ms = 1000 * (time.perf_counter() - started)

            target.work = timed_work

    def reset(self) -> None:
        """Forget the last call, so a call that fails early reports nothing stale."""
        self.nlp_ms = 0.0
        self.work_ms = 0.0
        self.nlp_stages = {}

    def split(self, total_ms: float) -> dict[str, float]:
        """The last call's milliseconds per stage (empty when the coder cannot be probed)."""
        if not self.active:
            return {}
        stages = {name: self.nlp_stages.get(name, 0.0) for name in NLP_STAGES}
        # Pipeline time outside its own stage clocks (building the document, records).
        stages["nlp_other"] = max(0.0, self.nlp_ms - sum(self.nlp_stages.values()))
        stages["candidates"] = max(0.0, self.work_ms - self.nlp_ms)
        stages["ranking"] = max(0.0, total_ms - self.work_ms)
        return stages
