"""A per-note time budget, checked cooperatively between stages and inside long loops.

``time_budget(seconds)`` sets a deadline for the code run inside it; ``check(stage)`` raises
``NoteTimeBudgetExceeded`` once that deadline has passed, and does nothing outside a budget. The
deadline is a context variable, so each thread (the service codes notes in a thread pool) and
each task sees only its own. Signals could not do this: they reach only the main thread.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from nlp.errors import NoteTimeBudgetExceeded

# (deadline on the perf_counter clock, the budget in seconds) of the note being processed
_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("cac_note_deadline", default=None)


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Run the body with a deadline ``seconds`` from now (``check`` raises after it)."""
    token = _DEADLINE.set((time.perf_counter() + seconds, seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check(stage: str) -> None:
    """Raise ``NoteTimeBudgetExceeded`` naming ``stage`` if the current budget is spent."""
    current = _DEADLINE.get()
    if current is not None and time.perf_counter() > current[0]:
        raise NoteTimeBudgetExceeded(
            f"coding the note took longer than its {current[1]:g} s time budget (stopped at "
            f"{stage}); retry later, or split the note"
        )
