"""Query rewrites for code search (abbreviations and lay terms), loaded from ``synonyms.json``."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Synonym(BaseModel):
    """One rewrite: ``phrase`` as a user types it and the wording the code sets use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    phrase: str = Field(min_length=1)
    means: str = Field(min_length=1)
    kind: Literal["abbreviation", "lay"]


class SynonymFile(BaseModel):
    """The whole file: a description and its entries."""

    model_config = ConfigDict(extra="forbid")

    about: str
    entries: list[Synonym]


@lru_cache(maxsize=1)
def load_synonyms() -> tuple[Synonym, ...]:
    """The curated rewrites shipped with the package."""
    text = resources.files("codesets").joinpath("synonyms.json").read_text(encoding="utf-8")
    return tuple(SynonymFile.model_validate(json.loads(text)).entries)
