"""Errors of the NLP layer (subclasses of ``codesets.errors.CACError``).

- ``InvalidNoteText``: the note is not text (``None``, bytes, a number) or is too long.
- ``NoteTimeBudgetExceeded``: processing the note ran past its time budget (``nlp.budget``);
  the coder sets the budget, so this is what a slow note raises from either layer.
"""

from __future__ import annotations

from codesets.errors import CACError


class InvalidNoteText(CACError):
    """The note given to the pipeline is not a ``str``, or is longer than the pipeline takes."""


class NoteTimeBudgetExceeded(CACError):
    """Processing one note took longer than its time budget; the message names the stage."""
