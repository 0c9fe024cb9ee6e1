"""Per-stage time of one ``code`` call, as the engine itself records it.

``CodingEngine.code_timed`` returns its result with the milliseconds of each stage
(``models.engine.STAGES``); the bench reads those. A coder without ``code_timed`` (a stand-in,
another implementation of ``Coder``) is timed as a whole and reports no stages.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from models.coder import Coder
from models.engine import STAGES

__all__ = ["STAGES", "TimedCoder", "code_with_stages"]


@runtime_checkable
class TimedCoder(Protocol):
    """A coder that reports where each call's time went (``CodingEngine``)."""

    def code_timed(self, text: str) -> tuple[Any, dict[str, float]]:
        """Code ``text``; the result and milliseconds per stage."""
        ...


def code_with_stages(coder: Coder, text: str) -> dict[str, float]:
    """Code ``text`` and return the engine's own stage timings (empty if it keeps none)."""
    if isinstance(coder, TimedCoder):
        _, stages = coder.code_timed(text)
        return {name: float(ms) for name, ms in stages.items()}
    coder.code(text)
    return {}
