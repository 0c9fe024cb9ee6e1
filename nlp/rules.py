"""The pipeline's rule files: Pydantic schemas that reject unknown keys, and cached loaders.

Rules are data (``nlp/data/*.json``), read with ``importlib.resources`` so an installed package
finds them too. ``rules_checksum()`` hashes every file: it goes into the pipeline's config hash.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_DATA = "nlp.data"
RULE_FILES = (
    "sections.json",
    "context_rules.json",
    "abbreviations.json",
    "attributes.json",
    "vocabulary.json",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SectionRule(_Strict):
    """One section category and the header spellings that open it."""

    name: str
    headers: list[str] = Field(min_length=1)
    # a header that is also an everyday word ("plan", "impression") needs its colon or its own line
    historical: bool = False
    family: bool = False


class SectionRules(_Strict):
    """Every section category, in file order."""

    sections: list[SectionRule]


Category = Literal[
    "negated", "uncertain", "historical", "hypothetical", "family", "terminate", "pseudo"
]


class ContextRule(_Strict):
    """One ConText cue: its words (or a token pattern), category and direction of scope."""

    literal: str
    category: Category
    direction: Literal["forward", "backward", "bidirectional", "terminate", "pseudo"] = "forward"
    pattern: list[dict[str, object]] | None = None
    max_scope: int | None = Field(default=None, gt=0)
    # categories whose cues end this cue's scope (besides "terminate" cues)
    terminated_by: list[Category] = Field(default_factory=list)
    # flags this cue sets besides its own category ("family history" is also historical)
    also: list[Category] = Field(default_factory=list)
    # word lists for "{name}" slots in ``literal``: one phrase-matcher cue per combination,
    # far cheaper to match than a token pattern with sets of words
    slots: dict[str, list[str]] = Field(default_factory=dict)

    def literals(self) -> list[str]:
        """The literal with every combination of slot words filled in."""
        found = [self.literal]
        for name, words in self.slots.items():
            found = [text.replace("{" + name + "}", word) for text in found for word in words]
        return found


class ContextRules(_Strict):
    """Every ConText cue."""

    rules: list[ContextRule]


class AbbreviationSense(_Strict):
    """One expansion of an abbreviation, restricted to (or kept out of) some sections."""

    expansion: str
    only_in: list[str] = Field(default_factory=list)
    not_in: list[str] = Field(default_factory=list)


class AbbreviationEntry(_Strict):
    """An abbreviation as written in notes, matched case-sensitively unless ``any_case``."""

    short: str
    senses: list[AbbreviationSense] = Field(min_length=1)
    any_case: bool = False


class AbbreviationLexicon(_Strict):
    """The curated clinical abbreviation lexicon."""

    abbreviations: list[AbbreviationEntry]


class AttributePattern(_Strict):
    """A regular expression whose match sets ``attribute`` to ``value`` (or to a group)."""

    attribute: str
    pattern: str
    value: str | None = None  # None: the first capture group, lower-cased
    window: int = Field(default=60, gt=0)  # how many characters from the mention it may sit


class AttributeRules(_Strict):
    """Every attribute pattern (laterality, acuity, severity, stage, type, site, encounter)."""

    attributes: list[AttributePattern]


class Vocabulary(_Strict):
    """Word lists for the terminology: noise terms, lay synonyms and spelling variants."""

    noise_terms: list[str]
    stop_words: list[str]
    synonyms: dict[str, list[str]]  # a canonical term -> lay or alternate phrasings
    variants: dict[str, str]  # a token -> its normalized spelling (British, irregular plural)
    symptom_words: list[str]  # heads that make a non-R-code term a symptom (e.g. "pain")
    # words of code-set terms that notes say otherwise ("malignant neoplasm" -> "cancer")
    phrase_variants: dict[str, list[str]]


def read_text(name: str) -> str:
    """The text of one rule file."""
    return resources.files(_DATA).joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def section_rules() -> SectionRules:
    """The section header rules."""
    return SectionRules.model_validate_json(read_text("sections.json"))


@lru_cache(maxsize=1)
def context_rules() -> ContextRules:
    """The ConText cue rules."""
    return ContextRules.model_validate_json(read_text("context_rules.json"))


@lru_cache(maxsize=1)
def abbreviation_lexicon() -> AbbreviationLexicon:
    """The clinical abbreviation lexicon."""
    return AbbreviationLexicon.model_validate_json(read_text("abbreviations.json"))


@lru_cache(maxsize=1)
def attribute_rules() -> AttributeRules:
    """The attribute patterns."""
    return AttributeRules.model_validate_json(read_text("attributes.json"))


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """Noise terms, synonyms and spelling variants."""
    return Vocabulary.model_validate_json(read_text("vocabulary.json"))


@lru_cache(maxsize=1)
def rules_checksum() -> str:
    """A sha256 over every rule file, for the pipeline's config hash."""
    digest = hashlib.sha256()
    for name in RULE_FILES:
        digest.update(name.encode())
        digest.update(read_text(name).encode("utf-8"))
    return digest.hexdigest()
