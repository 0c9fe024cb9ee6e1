"""The ICD-10-CM FY2026 Tabular List, read from the ``simple_icd_10_cm`` package.

The package (1.5.0) ships CDC's April 1, 2026 tabular XML and builds a tree of chapters, blocks
(its "sections"), categories, subcategories and the 7th-character codes it derives from each
``sevenChrDef``. This module walks that tree once, at cache-build time, and turns every code into
a ``Code`` whose notes already include those of its ancestors: the tabular states an instructional
note once, at the chapter, block or category that it governs, and it applies to every code below
(ICD-10-CM Official Guidelines Section I.A.12 for excludes notes, I.A.13 and I.A.17 for "code
first", "use additional code" and "code also"). Importing the package takes about two seconds, so
nothing at run time imports this module; the store reads the cache instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import date
from importlib.metadata import version
from typing import Any

from codesets.model import Code, CodeSetRelease, System

PACKAGE = "simple-icd-10-cm"
VERSION = "2026"
_CODE_TYPES = frozenset({"category", "subcategory", "extended subcategory"})


def release() -> CodeSetRelease:
    """The release the package holds: FY2026, for dates of service 2025-10-01 to 2026-09-30."""
    return CodeSetRelease(
        system=System.ICD10CM,
        version=VERSION,
        effective_from=date(2025, 10, 1),
        effective_to=date(2026, 9, 30),
        source=(
            "CDC/NCHS ICD-10-CM Tabular List FY2026 (April 1, 2026 update), "
            f"via {PACKAGE} {version(PACKAGE)}"
        ),
        license="Public domain (US government work); simple-icd-10-cm package MIT",
    )


def _clean(text: str) -> str:
    return " ".join(text.split())


def _lines(text: str) -> tuple[str, ...]:
    return tuple(_clean(line) for line in text.split("\n") if line.strip())


def _merge(own: tuple[str, ...], inherited: tuple[str, ...]) -> tuple[str, ...]:
    # Reuse the inherited tuple when the node adds nothing, so the cache stores it once.
    if not own:
        return inherited
    if not inherited:
        return own
    return tuple(dict.fromkeys((*own, *inherited)))


class _Inherited:
    """Notes that a node passes down to every code below it."""

    __slots__ = ("code_also", "code_first", "excludes1", "excludes2", "includes", "notes", "use")

    includes: tuple[str, ...]
    excludes1: tuple[str, ...]
    excludes2: tuple[str, ...]
    code_first: tuple[str, ...]
    code_also: tuple[str, ...]
    use: tuple[str, ...]
    notes: tuple[str, ...]

    def __init__(self, node: Any = None, parent: _Inherited | None = None) -> None:
        up = parent
        self.includes = _merge(_own(node, "includes"), up.includes if up else ())
        self.excludes1 = _merge(_own(node, "excludes1"), up.excludes1 if up else ())
        self.excludes2 = _merge(_own(node, "excludes2"), up.excludes2 if up else ())
        self.code_first = _merge(_own(node, "code_first"), up.code_first if up else ())
        self.code_also = _merge(_own(node, "code_also"), up.code_also if up else ())
        self.use = _merge(_own(node, "use_additional_code"), up.use if up else ())
        self.notes = _merge(_own(node, "notes"), up.notes if up else ())


def _own(node: Any, field: str) -> tuple[str, ...]:
    if node is None:
        return ()
    value = getattr(node, field)
    if isinstance(value, str):
        return _lines(value)
    return tuple(_clean(item) for item in value if item and item.strip())


def _seventh_table(node: Any) -> dict[str, str]:
    """The 7th-character table in force at ``node``: its own, else its nearest ancestor's."""
    if node.seven_chr_def:
        return dict(node.seven_chr_def)
    ancestor = node.seven_chr_def_ancestor
    return dict(ancestor.seven_chr_def) if ancestor is not None else {}


def _seventh_note(node: Any) -> str:
    if node.seven_chr_note:
        return _clean(node.seven_chr_note)
    ancestor = node.seven_chr_note_ancestor
    return _clean(ancestor.seven_chr_note) if ancestor is not None else ""


def _walk(
    node: Any, inherited: _Inherited, context: tuple[str, str, str, str], parents: tuple[str, ...]
) -> Iterator[Code]:
    here = _Inherited(node, inherited)
    if node.type == "section":
        context = (context[0], context[1], node.name, _clean(node.description))
    if node.type in _CODE_TYPES:
        yield _code(node, here, context, parents)
        parents = (node.name, *parents)
    for child in node.children:
        yield from _walk(child, here, context, parents)


def _code(
    node: Any, notes: _Inherited, context: tuple[str, str, str, str], parents: tuple[str, ...]
) -> Code:
    chapter, chapter_title, block, block_title = context
    table = _seventh_table(node)
    extra: list[tuple[str, str]] = [("chapter_title", chapter_title), ("block_title", block_title)]
    if node.type == "extended subcategory":
        # A 7th-character code carries only the meaning of its own 7th character (I.A.5).
        character = node.name[-1]
        seventh: tuple[tuple[str, str], ...] = ((character, _clean(table[character])),)
    else:
        seventh = tuple((char, _clean(meaning)) for char, meaning in table.items())
    if table and (note := _seventh_note(node)):
        extra.append(("seventh_character_note", note))
    extra.extend(("note", line) for line in notes.notes)
    return Code(
        system=System.ICD10CM,
        code=node.name,
        description=_clean(node.description),
        billable=not node.children,
        version=VERSION,
        chapter=chapter,
        block=block,
        parents=parents,
        inclusion_terms=_own(node, "inclusion_term"),
        includes=notes.includes,
        excludes1=notes.excludes1,
        excludes2=notes.excludes2,
        code_first=notes.code_first,
        code_also=notes.code_also,
        use_additional=notes.use,
        seventh_characters=seventh,
        extra=tuple(extra),
    )


def load_tabular() -> tuple[CodeSetRelease, list[Code]]:
    """Every ICD-10-CM code of the package's tabular, in tabular order, with inherited notes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from simple_icd_10_cm import simple_icd_10_cm as package

    codes: list[Code] = []
    for chapter in package._chapter_list:
        context = (chapter.name, _clean(chapter.description), "", "")
        codes.extend(_walk(chapter, _Inherited(), context, ()))
    return release(), codes
