"""Resolution of "see" and "see also" cross-references to the index rows they name.

A reference names an index path with commas between levels ("Pain, abdominal"), but main terms
themselves may hold commas ("Abdomen, abdominal"), nonessential modifiers in parentheses, or a
trailing "by site"; some references point at a code ("category M01"), at a table ("Neoplasm,
malignant, by site", "Table of Drugs and Chemicals") or at nothing concrete ("condition"). Each
reference gets one of these kinds, and the counts go to the manifest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

ROW = "row"
CODE = "code"
TABLE = "table"
GENERIC = "generic"
UNRESOLVED = "unresolved"
KINDS = (ROW, CODE, TABLE, GENERIC, UNRESOLVED)

_PARENS = re.compile(r"\([^)]*\)")
_SPACES = re.compile(r"\s+")
_NEC = re.compile(r"\s+nec$")
_MAX_KEYS = 32
# Index levels that only connect a term to its subterms (Official Guidelines Section I.A.14:
# "with", "in", "due to" link conditions).
CONNECTORS = frozenset(
    {"with", "without", "in", "due to", "by", "of", "following", "complicating", "during", "and"}
)
_BY = re.compile(r",?\s+by\s+[a-z ,-]+$")
_CODE_REFERENCE = re.compile(r"^(?:sub)?category\s+([A-Z][0-9A-Z]{2}(?:\.[0-9A-Z]{1,4})?-?)$", re.I)
_GENERIC = {"condition", "note at", "category", "specific condition", "by specific condition"}
_TABLES = (("neoplasm", "neoplasm"), ("table of drugs", "drug"), ("drugs and chemicals", "drug"))


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """A path as a lookup key: lower case, no nonessential modifiers or "NEC", single spaces."""
    text = _PARENS.sub(" ", text.lower())
    text = _SPACES.sub(" ", text).replace(" ,", ",")
    parts = (_NEC.sub("", part).strip() for part in text.split(","))
    return ", ".join(part for part in parts if part)


def path_keys(parts: Sequence[str]) -> list[tuple[str, int]]:
    """Every lookup key of a path, with its distance from the printed path (closest first)."""
    # Distance 0: as printed. +1 with connector levels merged ("with", "neuropathy" -> "with
    # neuropathy"), +1 for each level named by one of its comma alternatives ("Abdomen,
    # abdominal" -> "abdomen").
    shapes = [(list(parts), 0)]
    merged = _merge_connectors(parts)
    if merged != shapes[0][0]:
        shapes.append((merged, 1))
    keys: dict[str, int] = {}
    for shape, base in shapes:
        combos = [("", base)]
        for part in shape:
            choices = _alternatives(part)
            combos = [
                (f"{done}, {choice}" if done else choice, cost + (index > 0))
                for done, cost in combos
                for index, choice in enumerate(choices)
            ][:_MAX_KEYS]
        for key, cost in combos:
            if key and cost < keys.get(key, _MAX_KEYS):
                keys[key] = cost
    return sorted(keys.items(), key=lambda item: item[1])


@lru_cache(maxsize=65536)
def _alternatives(part: str) -> tuple[str, ...]:
    whole = normalize(part)
    # "broncho-, bronchial" and "acute or subacute" each name either of their words.
    pieces = [piece.rstrip("-").strip() for piece in re.split(r", | or ", whole)]
    return tuple(dict.fromkeys([whole, *(piece for piece in pieces if piece)]))


def _merge_connectors(parts: Sequence[str]) -> list[str]:
    merged: list[str] = []
    pending = ""
    for part in parts:
        if normalize(part) in CONNECTORS:
            pending = f"{pending} {part}".strip()
            continue
        merged.append(f"{pending} {part}".strip() if pending else part)
        pending = ""
    if pending:
        merged.append(pending)
    return merged


@dataclass(frozen=True, slots=True)
class Reference:
    """Where a cross-reference leads: a row position, a code, a table name, or nowhere."""

    kind: str
    row: int | None = None
    target: str | None = None


class PathIndex:
    """Rows by every key of their paths (see ``path_keys``)."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[int, int]] = {}

    def add(self, parts: Sequence[str], row: int) -> None:
        """Register the row at ``row`` under every key of its path.

        Where rows share a key, the one whose path is closest to the key wins, then the earliest
        ("Gout" names "Gout, gouty" rather than the later main term "Gout, chronic").
        """
        for key, cost in path_keys(parts):
            held = self._rows.get(key)
            if held is None or cost < held[0]:
                self._rows[key] = (cost, row)

    def find(self, target: str) -> int | None:
        """The row that ``target`` names, or ``None``."""
        for key in _variants(target):
            held = self._rows.get(key)
            if held is not None:
                return held[1]
        return None

    def resolve(self, target: str) -> Reference:
        """Classify and resolve one cross-reference's text."""
        text = _SPACES.sub(" ", target).strip().rstrip(",").strip()
        lowered = text.lower()
        if not text or lowered in _GENERIC or lowered.startswith("condition"):
            return Reference(GENERIC, target=text)
        code = _CODE_REFERENCE.match(text)
        if code:
            return Reference(CODE, target=code.group(1).upper())
        row = self.find(text)
        if row is not None:
            return Reference(ROW, row=row)
        for prefix, table in _TABLES:
            if lowered.startswith(prefix):
                return Reference(TABLE, target=table)
        return Reference(UNRESOLVED, target=text)


def _variants(target: str) -> list[str]:
    key = normalize(target)
    # "Fracture, by site" names the main term (the site is the coder's to find), so the trimmed
    # form goes first: "by site" must not match a level that happens to contain those words.
    trimmed = _BY.sub("", key)
    keys = [trimmed, key] if trimmed and trimmed != key else [key]
    # "Complications, colostomy" against the main term "Complication(s)".
    head, _, tail = key.partition(", ")
    if head.endswith("s"):
        keys.append(", ".join(filter(None, [head[:-1], tail])))
    return keys
