"""The check of every Alphabetic Index and table code against the FY2026 Tabular List.

The index files are CDC's FY2025 April release; the product codes with the FY2026 tabular (from
``simple_icd_10_cm`` 1.5.0). Each code the index gives is classified, and the class is kept with
the converted row and counted in the manifest:

- ``kept``: a billable FY2026 code, given complete; or given with a trailing dash ("S72.0-",
  "incomplete": more characters are required) and still a category in FY2026
  (``kept_incomplete``). A dash on a code that FY2026 makes billable is dropped (``kept``).
- ``mapped``: given complete but no longer billable in FY2026 (a subdivided code, or a category
  the flattened index gave without its dash), with exactly one billable code below it: that code
  is the unambiguous successor.
- ``category``: given complete, no longer billable, and with several billable codes below it.
  The row keeps the FY2026 category, marked incomplete, exactly as the index marks a code with a
  dash. We do not pick the "unspecified" child (…0/…9) even where one exists: the subdivision
  usually adds an axis (laterality, type, episode of care) that the index term does not settle,
  and defaulting to "unspecified" would hide the choice the coder must make (Official Guidelines
  Section I.B.1 and I.A.5: a code is complete only with all its characters, and documentation,
  not a default, picks among them). Candidate generation still finds the category.
- ``dropped``: not a code of the FY2026 tabular at all (deleted); the tabular has no successor
  information, so no guess is made.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version

KEPT = "kept"
KEPT_INCOMPLETE = "kept_incomplete"
MAPPED = "mapped"
CATEGORY = "category"
DROPPED = "dropped"
STATUSES = (KEPT, KEPT_INCOMPLETE, MAPPED, CATEGORY, DROPPED)


@dataclass(frozen=True, slots=True)
class Resolved:
    """An index code checked against FY2026: the FY2026 code (dotted, no dash) and its class."""

    given: str
    code: str | None
    incomplete: bool
    status: str

    @property
    def changed(self) -> bool:
        """True when FY2026 names another code than the source (mapped, dropped), not a dash."""
        return self.code != self.given.rstrip("-").rstrip(".")

    @property
    def display(self) -> str | None:
        """The code as the index shows it: a trailing dash when more characters are needed."""
        if self.code is None:
            return None
        return f"{self.code}-" if self.incomplete else self.code


class Tabular:
    """The FY2026 codes and their direct children, enough to classify index codes."""

    def __init__(self, children: Mapping[str, Sequence[str]], label: str) -> None:
        self._children = {code: tuple(kids) for code, kids in children.items()}
        self.label = label
        self._leaves: dict[str, tuple[str, ...]] = {}

    def billable_under(self, code: str) -> tuple[str, ...]:
        """Every billable code at or below ``code``."""
        held = self._leaves.get(code)
        if held is None:
            kids = self._children[code]
            if not kids:
                held = (code,)
            else:
                held = tuple(leaf for kid in kids for leaf in self.billable_under(kid))
            self._leaves[code] = held
        return held

    def resolve(self, given: str) -> Resolved:
        """Classify one code as the index gives it ("E11.40", "S72.0-", "T39.1X1")."""
        dashed = given.endswith("-")
        code = given.rstrip("-").rstrip(".").upper()
        if code not in self._children:
            return Resolved(given, None, False, DROPPED)
        if not self._children[code]:
            return Resolved(given, code, False, KEPT)
        if dashed:
            return Resolved(given, code, True, KEPT_INCOMPLETE)
        leaves = self.billable_under(code)
        if len(leaves) == 1:
            return Resolved(given, leaves[0], False, MAPPED)
        return Resolved(given, code, True, CATEGORY)


def package_tabular() -> Tabular:
    """The FY2026 tabular of the ``simple_icd_10_cm`` package (takes a few seconds)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import simple_icd_10_cm as package

    children: dict[str, list[str]] = {}
    for code in package.get_all_codes(True):
        # A few names are both a block and its only category ("B99"): keep every code.
        if package.is_category_or_subcategory(code) or package.is_extended_subcategory(code):
            children[code] = list(package.get_children(code))
    label = (
        f"ICD-10-CM FY2026 (April 1, 2026 update), simple-icd-10-cm {version('simple-icd-10-cm')}"
    )
    return Tabular(children, label)


def count_statuses(resolved: Sequence[Resolved]) -> dict[str, int]:
    """How many codes fall in each class, every class listed (zeros included)."""
    counted = Counter(item.status for item in resolved)
    return {status: counted.get(status, 0) for status in STATUSES}
