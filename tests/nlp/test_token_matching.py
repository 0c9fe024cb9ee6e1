"""``nlp.token_matching`` finds what spaCy's ``Matcher`` finds for the same patterns, in order."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

import pytest
import spacy
from spacy.matcher import Matcher
from spacy.tokens import Doc

from nlp.token_matching import ParenthesisMatcher, SequenceMatcher
from nlp.windowed_context import token_sequences

_WORDS = ["-", "old", "Old", "OLD", "year", "no", "No", "pain", "(", ")", "x"]


def _rule(rule_id: str, pattern: list[dict[str, Any]], on_match: Any = None) -> Any:
    return SimpleNamespace(_rule_id=rule_id, pattern=pattern, on_match=on_match)


def _docs(vocab: Any, words: list[str], count: int, longest: int) -> list[Doc]:
    chooser = random.Random(7)
    return [
        Doc(vocab, words=[chooser.choice(words) for _ in range(chooser.randint(0, longest))])
        for _ in range(count)
    ]


def test_plain_sequences_match_as_the_matcher_does() -> None:
    nlp = spacy.blank("en")
    chooser = random.Random(7)
    rules = [
        _rule(f"R_{k}", [{chooser.choice(["ORTH", "LOWER"]): w} for w in words])
        for k, words in enumerate(
            [["-", "old"], ["old"], ["no"], ["No", "pain"], ["-"], ["year", "-", "old"], ["no"]]
        )
    ]
    sequences, other = token_sequences(rules, nlp.vocab.strings)
    assert other == []
    matcher = Matcher(nlp.vocab)
    for rule in rules:
        matcher.add(rule._rule_id, [rule.pattern])
    for doc in _docs(nlp.vocab, _WORDS, 200, 30):
        assert sequences(doc) == matcher(doc), doc.text


def test_other_patterns_are_left_to_the_matcher() -> None:
    nlp = spacy.blank("en")
    rules = [
        _rule("A", [{"ORTH": "-"}, {"LOWER": "old"}]),
        _rule("B", [{"LOWER": {"IN": ["old", "aged"]}}]),
        _rule("C", [{"LOWER": "old", "OP": "?"}]),
        _rule("D", [{"ORTH": "old"}], on_match=print),
        SimpleNamespace(_rule_id="E", pattern=None, on_match=None),
    ]
    sequences, other = token_sequences(rules, nlp.vocab.strings)
    assert [rule._rule_id for rule in other] == ["B", "C", "D"]
    assert len(sequences.patterns) == 1


def test_sequence_matcher_adds_and_removes_as_the_matcher_does() -> None:
    nlp = spacy.blank("en")
    ours, theirs = SequenceMatcher(nlp.vocab), Matcher(nlp.vocab)
    keys = {"no pain": ["No", "pain"], "old": ["old"], "twice": ["no"], "x": ["x", "x"]}
    for docs in (_docs(nlp.vocab, _WORDS, 50, 30), _docs(nlp.vocab, _WORDS, 50, 5)):
        for key, words in keys.items():
            for matcher in (ours, theirs):
                matcher.add(key, [[{"ORTH": w} for w in words]])
        for matcher in (ours, theirs):  # one key, one pattern twice: its matches once
            matcher.add("twice", [[{"ORTH": "no"}]])
        for doc in docs:
            assert ours(doc) == theirs(doc), doc.text
        for key in keys:
            ours.remove(key)
            theirs.remove(key)
        assert ours(docs[0]) == []
    with pytest.raises(ValueError):
        ours.remove("old")
    with pytest.raises(ValueError):
        ours.add("set", [[{"ORTH": {"IN": ["a", "b"]}}]])


def test_parenthesis_matcher_matches_as_the_matcher_does() -> None:
    nlp = spacy.blank("en")
    theirs = Matcher(nlp.vocab)
    theirs.add("parenthesis", [[{"ORTH": "("}, {"OP": "{1,8}"}, {"ORTH": ")"}]])
    ours = ParenthesisMatcher(nlp.vocab, "parenthesis")
    for doc in _docs(nlp.vocab, ["(", ")", "(", "a", "b"], 400, 30):
        assert ours(doc) == theirs(doc), doc.text
    text = "Chronic kidney disease (CKD) and (a (nested) note) with ( ) and (one two three)."
    doc = nlp(text)
    assert ours(doc) == theirs(doc)
