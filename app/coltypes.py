"""Column types: UTC timestamps on every backend, and note content sealed at rest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from app import notecrypt


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Mark a naive stored value as the UTC it was written in."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class SealedText(TypeDecorator[str]):
    """Text holding note content: encrypted at rest when the engine has a note cipher."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Seal on the way in."""
        return None if value is None else notecrypt.seal_text(value, dialect)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """Open on the way out."""
        return None if value is None else notecrypt.open_text(value, dialect)


class SealedJSON(TypeDecorator[Any]):
    """JSON holding note content (mentions, excerpts): encrypted at rest like ``SealedText``."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Seal on the way in."""
        return None if value is None else notecrypt.seal_json(value, dialect)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        """Open on the way out."""
        return None if value is None else notecrypt.open_json(value, dialect)
