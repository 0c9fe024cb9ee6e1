"""What the harness may ask of a coder beyond the ``Coder`` protocol: coding options.

Gold standards differ in convention: CodiEsp codes negated mentions ("without edema" coded
R60.9), coding guidelines do not. For such corpora the harness asks the coder to include negated
mentions. A coder that supports options implements ``ConfigurableCoder``; the options are the
engine's own ``CodingOptions`` (``models.engine``), of which the harness sets ``include_negated``.
"""

from __future__ import annotations

import inspect
from datetime import date
from typing import Protocol

from models.engine import CodingOptions
from models.schema import CodingResult, Setting

__all__ = ["CodingOptions", "ConfigurableCoder", "accepts_options"]


class ConfigurableCoder(Protocol):
    """A coder whose ``code`` also takes ``options`` (``include_negated`` and the like)."""

    def code(
        self,
        text: str,
        *,
        setting: Setting = "outpatient",
        date_of_service: date | None = None,
        options: CodingOptions | None = None,
    ) -> CodingResult:
        """Suggest codes for ``text`` as ``options`` ask."""
        ...


def accepts_options(coder: object) -> bool:
    """True when the coder's ``code`` method takes an ``options`` keyword argument."""
    method = getattr(coder, "code", None)
    if method is None:
        return False
    try:
        parameters = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False
    return "options" in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )
