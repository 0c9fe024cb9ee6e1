"""A coder that answers every note with one stored result: the service's own cost, without coding.

``http_load.py --replay-coder`` starts the service with ``CAC_CODER_FACTORY=replay_coder:load``
(this folder on ``PYTHONPATH``). At start-up the real coder codes the benchmark's note once
(``CAC_REPLAY_NOTE``); every request then gets that result back, so responses and stored rows are
as large as a real request's, and the CPU per request the benchmark reports is the HTTP, database
and response work alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from models.engine import load_coder
from models.schema import CodingResult, Setting


@dataclass(frozen=True, slots=True)
class ReplayCoder:
    """Returns the stored result and stage times, whatever the note."""

    result: CodingResult
    stage_ms: dict[str, float]

    def code(
        self, text: str, *, setting: Setting = "outpatient", date_of_service: date | None = None
    ) -> CodingResult:
        """The stored result."""
        return self.result

    def code_timed(
        self, text: str, *, setting: Setting = "outpatient", date_of_service: date | None = None
    ) -> tuple[CodingResult, dict[str, float]]:
        """The stored result and the stage times of the one real coding."""
        return self.result, self.stage_ms


def load() -> ReplayCoder:
    """Code ``CAC_REPLAY_NOTE`` once with the real coder and keep its result."""
    text = Path(os.environ["CAC_REPLAY_NOTE"]).read_text(encoding="utf-8")
    result, stage_ms = load_coder().code_timed(text)
    return ReplayCoder(result, stage_ms)
