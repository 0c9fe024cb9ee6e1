"""Normalization of code-system names and codes to their canonical forms.

ICD-10-CM codes are canonical in their dotted, upper-case form (``E11.40``); lookups accept
them with or without the dot and in any case. HCPCS Level II codes are a letter and four digits
(``J1100``) and its modifiers two characters (``LT``); CPT codes are four digits and a digit or
``F``/``T``/``U`` (``99213``, ``0001F``).
"""

from __future__ import annotations

import re

from codesets.errors import MalformedCode, UnknownCodeSystem
from codesets.model import System

# A letter, then two more characters: FY2026 brings the first category whose second character is
# a letter (QA0), so the classic letter-digit-character pattern would reject real codes.
_ICD10CM = re.compile(r"[A-Z][0-9A-Z]{2}[0-9A-Z]{0,4}")
_HCPCS = re.compile(r"[A-V][0-9]{4}|[0-9A-Z]{2}")
_CPT = re.compile(r"[0-9]{4}[0-9FTU]")

# Spellings in the wild, reduced to upper-case letters and digits.
_SYSTEM_ALIASES: dict[str, System] = {
    "ICD10CM": System.ICD10CM,
    "ICD10": System.ICD10CM,
    "HCPCS": System.HCPCS,
    "HCPCSII": System.HCPCS,
    "HCPCSLEVELII": System.HCPCS,
    "CPT": System.CPT,
    "CPT4": System.CPT,
}


def parse_system(name: str | System) -> System:
    """The ``System`` that ``name`` spells ("ICD-10-CM", "icd10cm", "hcpcs", "CPT", ...)."""
    if isinstance(name, System):
        return name
    key = re.sub(r"[^0-9A-Z]", "", name.upper())
    try:
        return _SYSTEM_ALIASES[key]
    except KeyError:
        known = ", ".join(system.value for system in System)
        raise UnknownCodeSystem(f"unknown code system {name!r}; known: {known}") from None


def normalize_code(system: System, code: str) -> str:
    """The canonical form of ``code`` in ``system``; raises ``MalformedCode`` on a bad shape."""
    text = code.strip().upper() if isinstance(code, str) else ""
    dot = text.find(".")
    # Only ICD-10-CM has a dot, and only after the category's three characters.
    dotted_right = dot == -1 or (system is System.ICD10CM and dot == 3 and text.count(".") == 1)
    compact = text.replace(".", "") if dotted_right else ""
    if system is System.ICD10CM:
        if _ICD10CM.fullmatch(compact):
            return compact if len(compact) == 3 else f"{compact[:3]}.{compact[3:]}"
    elif system is System.HCPCS:
        if _HCPCS.fullmatch(compact):
            return compact
    elif _CPT.fullmatch(compact):
        return compact
    shown = code[:40] if isinstance(code, str) else repr(code)
    raise MalformedCode(f"{shown!r} is not a well-formed {system.value} code")


def undotted(code: str) -> str:
    """``code`` without its dot (``E11.40`` -> ``E1140``), the form claims files use."""
    return code.replace(".", "")
