"""ICD-10-CM FY2026 tabular: counts, hierarchy, inherited notes and 7th characters."""

from __future__ import annotations

import pytest

from codesets.store import CodeSets


def test_billable_icd10cm_count(codesets: CodeSets) -> None:
    billable = codesets.count("ICD-10-CM", billable_only=True)
    assert 74_000 <= billable <= 76_000
    assert codesets.count("ICD-10-CM") > billable


def test_category_and_its_leaf(codesets: CodeSets) -> None:
    category = codesets.lookup("ICD-10-CM", "E11")
    leaf = codesets.lookup("ICD-10-CM", "E11.40")
    assert not category.billable
    assert leaf.billable
    assert leaf.description == "Type 2 diabetes mellitus with diabetic neuropathy, unspecified"
    assert leaf.parents == ("E11.4", "E11")
    assert (leaf.chapter, leaf.block) == ("4", "E08-E13")


def test_e11_notes(codesets: CodeSets) -> None:
    e11 = codesets.lookup("ICD-10-CM", "E11")
    assert "type 1 diabetes mellitus (E10.-)" in e11.excludes1
    assert "gestational diabetes (O24.4-)" in e11.excludes1
    assert "insulin (Z79.4)" in e11.use_additional
    assert "oral antidiabetic drugs (Z79.84)" in e11.use_additional
    assert "diabetes NOS" in e11.includes


def test_notes_are_inherited_by_descendants(codesets: CodeSets) -> None:
    # A note at a category applies to every code below it (Official Guidelines I.A.12).
    e11 = codesets.lookup("ICD-10-CM", "E11")
    leaf = codesets.lookup("ICD-10-CM", "E11.40")
    assert set(e11.excludes1) <= set(leaf.excludes1)
    assert set(e11.use_additional) <= set(leaf.use_additional)


def test_seventh_character_code(codesets: CodeSets) -> None:
    code = codesets.lookup("ICD-10-CM", "S72.001A")
    assert code.billable
    assert code.parents[0] == "S72.001"
    assert code.seventh_characters == (("A", "initial encounter for closed fracture"),)
    assert code.description.endswith("initial encounter for closed fracture")
    assert any(key == "seventh_character_note" for key, _ in code.extra)


def test_code_needing_a_seventh_character_lists_them(codesets: CodeSets) -> None:
    parent = codesets.lookup("ICD-10-CM", "S72.001")
    meanings = dict(parent.seventh_characters)
    assert not parent.billable
    assert meanings["D"] == "subsequent encounter for closed fracture with routine healing"
    assert meanings["S"] == "sequela"
    children = [child.code for child in codesets.children("S72.001")]
    assert "S72.001A" in children and "S72.001S" in children


def test_placeholder_x_codes(codesets: CodeSets) -> None:
    code = codesets.lookup("ICD-10-CM", "T39.1X1A")
    assert code.billable
    assert code.parents[:2] == ("T39.1X1", "T39.1X")


def test_inclusion_terms(codesets: CodeSets) -> None:
    assert (
        "Myocardial infarction (acute) NOS" in codesets.lookup("ICD-10-CM", "I21.9").inclusion_terms
    )


@pytest.mark.parametrize(
    ("code", "billable"),
    [("I10", True), ("J45.909", True), ("J45.90", False), ("Z79.4", True), ("O31.10X0", True)],
)
def test_billable_flags(codesets: CodeSets, code: str, billable: bool) -> None:
    assert codesets.is_billable("ICD-10-CM", code) is billable


def test_children_in_tabular_order(codesets: CodeSets) -> None:
    children = [child.code for child in codesets.children("E11")]
    assert children[0] == "E11.0"
    assert "E11.9" in children and "E11.A" in children
    assert codesets.children("E11.9") == []
