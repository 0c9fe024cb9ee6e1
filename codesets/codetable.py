"""One release's codes as the cache stores them: one small marshal blob per code, decoded lazily.

Unmarshalling ~100,000 nested row tuples took most of a second, while a process needs only the
codes it looks up. So each row is kept as its own ``marshal`` blob and decoded on first access;
the notes that many codes inherit (a chapter's excludes, a category's 7th-character table) are
stored once in a shared pool and referenced by index. Billable flags and parents, which
``count`` and ``children`` need for every code, are kept decoded beside the blobs.
"""

from __future__ import annotations

import marshal
from collections.abc import Iterable, Iterator
from dataclasses import fields
from typing import Any

from codesets.model import Code, System

# Code fields after ``system`` and ``code``: a decoded row is ``Code(system, code, *row)``.
ROW_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Code))[2:]
# Fields shared by many codes: stored once in the pool, the row holds the pool index.
_POOLED = frozenset(
    {
        "includes",
        "excludes1",
        "excludes2",
        "code_first",
        "code_also",
        "use_additional",
        "seventh_characters",
        "extra",
    }
)
_POOLED_AT = tuple(i for i, name in enumerate(ROW_FIELDS) if name in _POOLED)


class Pool:
    """Shared note tuples, each stored once, by first-seen index."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, ...]] = []
        self._index: dict[tuple[Any, ...], int] = {}

    def add(self, value: tuple[Any, ...]) -> int:
        """The index of ``value`` in the pool, adding it on first sight."""
        found = self._index.get(value)
        if found is None:
            found = self._index[value] = len(self.items)
            self.items.append(value)
        return found


def encode_table(codes: Iterable[Code], pool: Pool) -> dict[str, Any]:
    """The marshal-able form of one release's codes."""
    names: list[str] = []
    rows: list[bytes] = []
    billable: list[bool] = []
    parent: list[str] = []
    for code in codes:
        row = [getattr(code, name) for name in ROW_FIELDS]
        for at in _POOLED_AT:
            row[at] = pool.add(row[at])
        names.append(code.code)
        rows.append(marshal.dumps(tuple(row)))
        billable.append(code.billable)
        parent.append(code.parents[0] if code.parents else "")
    return {"names": names, "rows": rows, "billable": bytes(billable), "parent": parent}


class CodeTable:
    """The codes of one release, decoded into ``Code`` records on first access and memoized."""

    def __init__(
        self, system: System, encoded: dict[str, Any], pool: list[tuple[Any, ...]]
    ) -> None:
        self.system = system
        self._names: list[str] = encoded["names"]
        self._rows: list[bytes] = encoded["rows"]
        self._billable: bytes = encoded["billable"]
        self._parent: list[str] = encoded["parent"]
        self._position = {name: i for i, name in enumerate(self._names)}
        self._pool = pool
        self._decoded: dict[str, Code] = {}
        self._children: dict[str, list[str]] | None = None

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, code: object) -> bool:
        return code in self._position

    def names(self) -> Iterator[str]:
        """Every code of the release in source (tabular) order."""
        return iter(self._names)

    def get(self, code: str) -> Code | None:
        """The record of ``code`` (canonical form), or ``None`` when the release lacks it."""
        found = self._decoded.get(code)
        if found is not None:
            return found
        position = self._position.get(code)
        if position is None:
            return None
        row = list(marshal.loads(self._rows[position]))
        for at in _POOLED_AT:
            row[at] = self._pool[row[at]]
        found = self._decoded[code] = Code(self.system, code, *row)
        return found

    def billable_count(self) -> int:
        """How many codes of the release are billable."""
        return sum(self._billable)

    def children(self, code: str) -> list[str]:
        """The codes whose nearest parent is ``code``, in source order."""
        if self._children is None:
            tree: dict[str, list[str]] = {}
            for name, parent in zip(self._names, self._parent, strict=True):
                if parent:
                    tree.setdefault(parent, []).append(name)
            self._children = tree
        return list(self._children.get(code, ()))
