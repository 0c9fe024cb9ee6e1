"""Code systems and code spellings as the harness compares them.

Gold files and coder output may spell a code with or without its dot and in any case; the
harness compares canonical forms (``E11.40``), so ``e1140`` in a gold file matches ``E11.40``
from the coder. ICD-10-PCS is known here only so that corpora such as CodiEsp can carry their
procedure codes; the product does not suggest from it.
"""

from __future__ import annotations

import re

from codesets.errors import CACError
from codesets.model import System
from codesets.normalize import normalize_code

ICD10PCS = "ICD-10-PCS"
SYSTEMS: tuple[str, ...] = (*(system.value for system in System), ICD10PCS)
# CodiEsp lists partial PCS codes (its "P" track codes the first characters that are certain).
_PCS = re.compile(r"[0-9A-HJ-NP-Z]{3,7}")

CodeKey = tuple[str, str]


def canonical_code(system: str, code: str) -> str:
    """The canonical spelling of ``code`` in ``system``; raises a ``CACError`` when malformed."""
    if system == ICD10PCS:
        compact = code.strip().upper()
        if _PCS.fullmatch(compact):
            return compact
        raise CACError(f"{code[:40]!r} is not a well-formed ICD-10-PCS code")
    if system not in SYSTEMS:
        raise CACError(f"unknown code system {system!r}; known: {', '.join(SYSTEMS)}")
    return normalize_code(System(system), code)


def category(system: str, code: str) -> str:
    """The 3-character category of an ICD-10 code (``E11.40`` -> ``E11``); other codes unchanged."""
    if system in (System.ICD10CM.value, ICD10PCS):
        return code[:3]
    return code


def key_label(key: CodeKey) -> str:
    """One string for a (system, code) pair, as metrics files store it (``ICD-10-CM:E11.40``)."""
    return f"{key[0]}:{key[1]}"


def parse_key_label(label: str) -> CodeKey:
    """The (system, code) pair of a ``key_label`` string."""
    system, _, code = label.rpartition(":")
    return system, code
