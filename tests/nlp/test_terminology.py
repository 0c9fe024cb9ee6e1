"""The terminology index: word-bag keys, noise terms, synonyms and the pickled cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from codesets.model import System, Term
from nlp.normalize import key_words, normalize_word
from nlp.terminology import bag_of, build_index, load_index, terms_checksum


@pytest.mark.parametrize(
    ("word", "normal"),
    [
        ("Infections", "infection"),
        ("arteries", "artery"),
        ("diabetes", "diabetes"),
        ("diabetic", "diabetes"),
        ("oedema", "edema"),
        ("abscesses", "abscess"),
        ("sepsis", "sepsis"),
        ("Alzheimer's", "alzheimer"),
        ("II", "2"),
    ],
)
def test_normalize_word(word: str, normal: str) -> None:
    assert normalize_word(word) == normal


def test_key_words_drop_stop_words_and_keep_order() -> None:
    assert key_words("Pain in the right knee, unspecified") == ["pain", "right", "knee"]


def test_index_path_matches_natural_word_order(terms: list[Term]) -> None:
    index = build_index(terms)
    ids = index.lookup(bag_of(key_words("type 2 diabetes with neuropathy")))
    assert "E11.40" in {index.entries[i][1] for i in ids}


@pytest.mark.parametrize("noise", ["history", "patient", "status", "unspecified", "Other"])
def test_noise_terms_are_left_out(noise: str) -> None:
    index = build_index([Term(noise, System.ICD10CM, "Z99.9", "tabular")])
    assert len(index) == 0


def test_lay_synonyms_name_their_canonical_codes() -> None:
    index = build_index(
        [
            Term("Syncope and collapse", System.ICD10CM, "R55", "tabular"),
            Term("Syncope", System.ICD10CM, "R55", "inclusion"),
        ]
    )
    ids = index.lookup(bag_of(key_words("passed out")))
    assert [(index.entries[i][1], index.entries[i][3]) for i in ids] == [("R55", "lexicon")]


def test_other_codes_rank_after_the_plain_one() -> None:
    index = build_index(
        [
            Term("Other hypertension", System.ICD10CM, "I1A.0", "tabular"),
            Term("Hypertension (benign)", System.ICD10CM, "I10", "inclusion"),
        ]
    )
    ids = index.lookup(("hypertension",))
    assert [index.entries[i][1] for i in ids] == ["I10", "I1A.0"]


def test_cache_round_trip_and_key(tmp_path: Path, terms: list[Term]) -> None:
    first = load_index(terms, tmp_path)
    files = list(tmp_path.glob("nlp-terms-*.marshal"))
    assert len(files) == 1
    again = load_index(terms, tmp_path)
    assert again.table == first.table and again.checksum == first.checksum
    changed = [*terms, Term("Gout", System.ICD10CM, "M10.9", "tabular")]
    assert terms_checksum(changed) != first.checksum
    assert ("gout",) in load_index(changed, tmp_path).table
    assert list(tmp_path.glob("nlp-terms-*.marshal")) != files  # the stale index is removed
    assert len(list(tmp_path.glob("nlp-terms-*.marshal"))) == 1


def test_unreadable_cache_is_rebuilt(tmp_path: Path, terms: list[Term]) -> None:
    load_index(terms, tmp_path)
    (path,) = tmp_path.glob("nlp-terms-*.marshal")
    path.write_bytes(b"not marshal data")
    assert len(load_index(terms, tmp_path)) > 0


def test_default_index_is_found_without_reading_the_terms(
    tmp_path: Path, terms: list[Term], monkeypatch: pytest.MonkeyPatch
) -> None:
    from nlp import terminology

    reads: list[int] = []

    def default_terms() -> list[Term]:
        reads.append(1)
        return terms

    monkeypatch.setattr(terminology, "_codesets_key", lambda: "k" * 64)
    monkeypatch.setattr(terminology, "default_terms", default_terms)
    first = terminology.load_default_index(tmp_path)
    again = terminology.load_default_index(tmp_path)
    assert reads == [1]  # built once; the second load reads the cache under the store's key
    assert again.table == first.table and again.checksum == terms_checksum(terms)
