"""Errors the coder raises on bad input (subclasses of ``codesets.errors.CACError``).

- ``InvalidNote``: the note is not text, is empty or blank, or is longer than the coder accepts.
- ``ModelArtifactError``: a ranker artifact is missing, unreadable or fails its checksum.
"""

from __future__ import annotations

from codesets.errors import CACError


class InvalidNote(CACError):
    """The note cannot be coded as given (not text, empty, blank or too long)."""


class ModelArtifactError(CACError):
    """A model artifact under ``models/artifacts`` is missing or does not match its manifest."""
