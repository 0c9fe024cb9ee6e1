"""Re-encrypt every stored note value with the newest key (``cac keys rotate-notes``).

The sealed columns are found from the table models (every ``SealedText`` or ``SealedJSON``
column), read and written raw, a batch per transaction: an interrupted run is simply run again.
Plain values (stored before encryption was turned on) are sealed on the way.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, Column, Engine, Table, Text, bindparam, select, type_coerce, update

from app import notecrypt
from app.coltypes import SealedJSON, SealedText
from app.tables import Base

BATCH = 200


def sealed_columns() -> list[tuple[Table, Column[Any]]]:
    """Every column holding note content, table by table."""
    return [
        (table, column)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, SealedText | SealedJSON)
    ]


def _resealed(cipher: notecrypt.NoteCipher, stored: Any, is_json: bool) -> Any:
    if not is_json:
        return cipher.reseal(stored)
    if notecrypt.is_sealed_json(stored):
        return {notecrypt.JSON_FIELD: cipher.reseal(stored[notecrypt.JSON_FIELD])}
    return {notecrypt.JSON_FIELD: cipher.seal(json.dumps(stored))}


def reseal_all(engine: Engine, cipher: notecrypt.NoteCipher) -> dict[str, int]:
    """Re-encrypt every stored value under the cipher's first key; counts per column."""
    counts: dict[str, int] = {}
    for table, column in sealed_columns():
        is_json = isinstance(column.type, SealedJSON)
        raw_type = JSON() if is_json else Text()
        raw = type_coerce(column, raw_type)
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({column.name: bindparam("sealed", type_=raw_type)})
        )
        done, last = 0, 0
        while True:
            with engine.begin() as connection:
                query = (
                    select(table.c.id, raw)
                    .where(table.c.id > last, column.is_not(None))
                    .order_by(table.c.id)
                    .limit(BATCH)
                )
                rows = connection.execute(query).all()
                if not rows:
                    break
                changes = [
                    {"row_id": row_id, "sealed": _resealed(cipher, stored, is_json)}
                    for row_id, stored in rows
                ]
                connection.execute(statement, changes)
            done += len(rows)
            last = rows[-1][0]
        counts[f"{table.name}.{column.name}"] = done
    return counts
