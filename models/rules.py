"""The coder's rule data (code maps, cue lists), validated and loaded once from ``models/data``."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

_Model = TypeVar("_Model", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PrefixMap(_Strict):
    """Codes starting with one of ``prefixes`` (undotted) map to ``code``."""

    prefixes: list[str]
    code: str


class IntegralSymptoms(_Strict):
    """Symptom codes routinely part of the listed diagnoses (Guidelines I.B.5)."""

    symptoms: list[str]
    diagnoses: list[str]


class GuidelineData(_Strict):
    """Maps behind the assertion and history rules."""

    about: str
    family_history: list[PrefixMap]
    personal_history: list[PrefixMap]
    chronic_prefixes: list[str]
    integral_symptoms: list[IntegralSymptoms]
    uncodable_assertions: list[str]
    history_codes: list[str]  # codes that already say "history of" (kept as they are)
    not_reported_prefixes: list[str]  # external causes: no national reporting mandate
    # a Table of Neoplasms site-unspecified code (``code``) and the site codes it yields to
    unspecified_site_neoplasms: list[PrefixMap]


class Complication(_Strict):
    """A condition that diabetes is presumed to cause (the index's "with" list)."""

    name: str
    prefixes: list[str]
    suffix: str
    absorb: bool  # True when the combination code fully captures the condition
    words: list[str] = []  # when set, a host mention must contain one of these words


class DiabetesData(_Strict):
    """Diabetes categories by type and the complication suffixes."""

    categories: list[str]
    type_categories: dict[str, str]
    default_category: str
    without_complications_suffix: str
    complications: list[Complication]


class HypertensionData(_Strict):
    """Hypertension combination categories I11-I13."""

    hypertension_prefixes: list[str]
    heart_failure_prefixes: list[str]
    heart_disease_prefixes: list[str]
    ckd_prefixes: list[str]
    # combination codes that already state CKD (diabetes with diabetic CKD, E08-E13 .22)
    ckd_combination_prefixes: list[str]
    ckd_late_prefixes: list[str]
    codes: dict[str, str]


class Deficit(_Strict):
    """A neurologic deficit and the digits it adds to an I69.x category."""

    name: str
    prefixes: list[str]
    suffix: str


class StrokeSequelaeData(_Strict):
    """Sequelae of cerebrovascular disease (I69): the stroke's category, deficits and links."""

    strokes: list[PrefixMap]
    deficits: list[Deficit]
    links: list[str]  # words between a deficit and its stroke that name the cause


class NicotineProduct(_Strict):
    """A tobacco product named near nicotine dependence and the code for it."""

    words: list[str]
    code: str


class NicotineData(_Strict):
    """Nicotine dependence (F17.20-, unspecified product) refined by the product named."""

    prefixes: list[str]
    products: list[NicotineProduct]


class CombinationData(_Strict):
    """All combination-code maps."""

    about: str
    diabetes: DiabetesData
    hypertension: HypertensionData
    stroke_sequelae: StrokeSequelaeData
    nicotine: NicotineData


class QueryRule(_Strict):
    """A documentation gap: a mention lacking an attribute that no nearby words supply."""

    topic: str
    mention: str
    attributes: list[str]
    satisfied_by: str
    message: str


class QueryData(_Strict):
    """All documentation-query rules."""

    about: str
    rules: list[QueryRule]


class LexiconEntry(_Strict):
    """A clinical phrase (or abbreviation) and the code it names when nothing more is said."""

    phrase: str = Field(min_length=1)
    code: str = Field(min_length=3)


class LexiconData(_Strict):
    """The curated phrase list."""

    about: str
    entries: list[LexiconEntry]


def _load(name: str, model: type[_Model]) -> _Model:
    text = resources.files("models").joinpath("data", name).read_text(encoding="utf-8")
    return model.model_validate(json.loads(text))


@lru_cache(maxsize=1)
def guideline_data() -> GuidelineData:
    """``guidelines.json``."""
    return _load("guidelines.json", GuidelineData)


@lru_cache(maxsize=1)
def combination_data() -> CombinationData:
    """``combinations.json``."""
    return _load("combinations.json", CombinationData)


@lru_cache(maxsize=1)
def query_data() -> QueryData:
    """``queries.json``."""
    return _load("queries.json", QueryData)


@lru_cache(maxsize=1)
def lexicon_data() -> LexiconData:
    """``lexicon.json``."""
    return _load("lexicon.json", LexiconData)


def starts_with(code: str, prefixes: list[str]) -> bool:
    """True when the undotted ``code`` starts with one of the undotted ``prefixes``."""
    return code.replace(".", "").startswith(tuple(prefixes))


def first_mapped(code: str, rows: list[PrefixMap]) -> str | None:
    """The code of the first row whose prefixes match ``code``."""
    for row in rows:
        if starts_with(code, row.prefixes):
            return row.code
    return None
