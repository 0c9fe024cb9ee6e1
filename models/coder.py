"""The coder protocol: what the service, the evaluation harness and the batch job call."""

from __future__ import annotations

from datetime import date
from typing import Protocol, runtime_checkable

from models.schema import CodingResult, Setting


class Coder(Protocol):
    """Codes one note; loaded once (code sets, pipeline, model), then called many times."""

    def code(
        self,
        text: str,
        *,
        setting: Setting = "outpatient",
        date_of_service: date | None = None,
    ) -> CodingResult:
        """Suggest codes for ``text``; raises a ``CACError`` subclass on bad input."""
        ...


@runtime_checkable
class TimedCoder(Coder, Protocol):
    """A coder that also reports the milliseconds each stage of one call took."""

    def code_timed(
        self,
        text: str,
        *,
        setting: Setting = "outpatient",
        date_of_service: date | None = None,
    ) -> tuple[CodingResult, dict[str, float]]:
        """``code``, with the milliseconds per stage (stage name -> ms)."""
        ...
