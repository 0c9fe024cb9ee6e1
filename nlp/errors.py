"""Errors of the NLP layer (subclasses of ``codesets.errors.CACError``).

- ``InvalidNoteText``: the note is not text (``None``, bytes, a number) or is too long.
"""

from __future__ import annotations

from codesets.errors import CACError


class InvalidNoteText(CACError):
    """The note given to the pipeline is not a ``str``, or is longer than the pipeline takes."""
