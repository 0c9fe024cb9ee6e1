"""Read coder decisions from the service's database, for ``cac eval decisions``.

A thin adapter over ``decision_metrics``: a suggestion's current review state (``accepted``,
``rejected`` or ``modified``; still ``needs_review`` ones are left out) and every code a coder
added. Plain SQL over the service's tables (``suggestions``, ``added_codes``), so the harness
does not import the service.
"""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from evaluation.decisions import Decision
from evaluation.errors import DatasetError

_REVIEWED = text(
    "SELECT system, code, status FROM suggestions "
    "WHERE status IN ('accepted', 'rejected', 'modified') ORDER BY id"
)
_ADDED = text("SELECT system, code FROM added_codes ORDER BY id")


def load_decisions(database_url: str) -> list[Decision]:
    """Every reviewed suggestion and added code in the database, as decision records."""
    try:
        engine = create_engine(database_url)
    except (SQLAlchemyError, ValueError) as error:
        raise DatasetError(f"unusable database URL ({type(error).__name__})") from error
    try:
        with engine.connect() as connection:
            reviewed = [Decision(r[0], r[1], r[2]) for r in connection.execute(_REVIEWED)]
            added = [Decision(r[0], r[1], "added") for r in connection.execute(_ADDED)]
    except SQLAlchemyError as error:
        # the URL may hold a password: name the error type, never the URL
        raise DatasetError(
            f"cannot read decisions from the database ({type(error).__name__}); "
            "is it the service's database, migrated to the current schema?"
        ) from error
    finally:
        engine.dispose()
    return reviewed + added
