"""The coding engine: everything loaded once, then one call per note.

``load_coder()`` loads the code sets, the clinical pipeline, the phrase matcher, the learned
ranker (when its artifact is present) and the semantic matcher (with its encoder), and
returns a ``CodingEngine`` that implements ``models.coder.Coder``.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

from codesets.errors import CACError, CodeSetVersionUnavailable, UnknownCodeSystem
from codesets.model import System
from models.candidate import Candidate
from models.candidates import SemanticMatcher, generate
from models.codebook import CodeBook
from models.combinations import apply_combinations
from models.conflicts import flag_excludes1, link_instructions
from models.errors import InvalidNote
from models.guidelines import (
    Dropped,
    apply_assertions,
    drop_integral_symptoms,
    drop_less_specific,
    with_history_cue,
)
from models.matching import TermMatcher
from models.output import mention_out, merge_by_code, rule_confidence, suggestions
from models.procedures import procedure_candidates
from models.queries import documentation_queries
from models.schema import CodingResult, Setting, Versions
from models.specificity import refine
from models.status import bmi_status, device_status, drug_status, immunization_status
from nlp.budget import check, time_budget
from nlp.mention import Mention

if TYPE_CHECKING:
    from models.ranker import Ranker

log = logging.getLogger(__name__)

MAX_NOTE_CHARS = 200_000
RULES_VERSION = "rules-1"
# One note may take this long before coding stops with ``NoteTimeBudgetExceeded`` (the service
# answers 503): a 200,000-character note of dense clinical text codes in a few seconds on two
# shared cores, so only a pathological note or an overloaded machine reaches it.
TIME_BUDGET_ENV = "CAC_NOTE_TIME_BUDGET_S"
DEFAULT_TIME_BUDGET_S = 10.0
# Where one call's time goes (milliseconds), in order: the pipeline's own stages, the rest of the
# pipeline call, candidate lookup (semantic matching included), the guideline rules, ranking
# and output. ``CodingEngine.code_timed`` returns them; ``cac bench`` reports their means.
NLP_STAGES = ("tokenize", "sections", "sentences", "abbreviations", "mentions", "assertions")
STAGES = (*NLP_STAGES, "nlp_other", "candidates", "guidelines", "ranking")


class NoteDocument(Protocol):
    """What the coder reads from the pipeline's document."""

    @property
    def mentions(self) -> Sequence[Mention]:
        """The note's mentions with offsets, attributes and assertions."""
        ...


class NotePipeline(Protocol):
    """The clinical NLP pipeline (``nlp.pipeline.ClinicalPipeline``)."""

    def process(self, text: str) -> NoteDocument:
        """Run every stage over ``text``."""
        ...


@dataclass(frozen=True, slots=True)
class CodingOptions:
    """Per-call switches: ``include_negated`` follows the CodiEsp convention (evaluation only)."""

    include_negated: bool = False
    use_ranker: bool = True
    min_confidence: float | None = None  # None: the ranker manifest's threshold


# Rule confidence at or above which a candidate is suggested whatever the ranker's probability:
# exact terminology matches (0.85), guideline-rule codes (0.8-0.9), full concept matches (0.75).
RULES_KEEP = 0.75


@dataclass(slots=True)
class Worked:
    """The intermediate state of one note (for training, explanations and tests)."""

    mentions: list[Mention]
    candidates: list[Candidate]
    dropped: list[Dropped]
    timings: dict[str, float] = field(default_factory=dict)  # milliseconds per stage so far


def _since(started: float) -> float:
    return 1000 * (time.perf_counter() - started)


def _nlp_timings(document: NoteDocument, total_ms: float) -> dict[str, float]:
    # the pipeline times its own stages (``nlp.document.StageTimings``); a stand-in may not
    timings = getattr(document, "timings", None)
    found = asdict(timings) if is_dataclass(timings) and not isinstance(timings, type) else {}
    stages = {name: float(found.get(name, 0.0)) for name in NLP_STAGES}
    stages["nlp_other"] = max(0.0, total_ms - sum(stages.values()))
    return stages


def note_time_budget() -> float:
    """Seconds one note may take: ``CAC_NOTE_TIME_BUDGET_S``, else ``DEFAULT_TIME_BUDGET_S``."""
    raw = os.environ.get(TIME_BUDGET_ENV, "").strip()
    if not raw:
        return DEFAULT_TIME_BUDGET_S
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise CACError(f"{TIME_BUDGET_ENV} must be a positive number of seconds, not {raw!r}")
    return seconds


def _validate(text: object) -> str:
    if not isinstance(text, str):
        raise InvalidNote("the note must be text")
    if not text.strip():
        raise InvalidNote("the note is empty")
    if len(text) > MAX_NOTE_CHARS:
        raise InvalidNote(f"the note is longer than {MAX_NOTE_CHARS} characters")
    return text


class CodingEngine:
    """Implements ``Coder``: candidates, guideline rules, ranking and output for one note."""

    def __init__(
        self,
        *,
        codebook: CodeBook,
        pipeline: NotePipeline,
        matcher: TermMatcher,
        pipeline_version: str,
        ranker: Ranker | None = None,
        semantic: SemanticMatcher | None = None,
        time_budget_s: float | None = None,
    ) -> None:
        self.codebook = codebook
        # seconds one ``code`` call may take; None reads ``CAC_NOTE_TIME_BUDGET_S``
        self.time_budget_s = note_time_budget() if time_budget_s is None else time_budget_s
        self.pipeline = pipeline
        self.matcher = matcher
        self.ranker = ranker
        self.semantic = semantic
        self.pipeline_version = pipeline_version

    def versions(self) -> Versions:
        """The code-set, model and pipeline versions behind every result."""
        loaded = self.codebook.versions()
        model = self.ranker.version if self.ranker else RULES_VERSION
        return Versions(
            icd10cm=loaded.get(System.ICD10CM, "not loaded"),
            hcpcs=loaded.get(System.HCPCS, "not loaded"),
            cpt=loaded.get(System.CPT, "not loaded"),
            model=f"{model}+semantic" if self.semantic else model,
            pipeline=self.pipeline_version,
        )

    def check_date(self, date_of_service: date | None) -> dict[System, str]:
        """Stale systems for the date, with a warning each; no ICD-10-CM release is an error.

        ICD-10-CM must cover the date of service (Guidelines I.A.3 tie valid codes to the
        release in force), so a date outside the loaded releases raises
        ``CodeSetVersionUnavailable``. HCPCS and CPT releases that do not cover it (the newest
        public HCPCS file here is 2020) only add a warning to their suggestions.
        """
        stale: dict[System, str] = {}
        if date_of_service is None:
            return stale
        self.codebook.release_for(System.ICD10CM, date_of_service)
        for system in (System.HCPCS, System.CPT):
            try:
                self.codebook.release_for(system, date_of_service)
            except UnknownCodeSystem:
                continue  # a system with no release loaded has only built-in sample codes
            except CodeSetVersionUnavailable as error:
                stale[system] = f"{error.message}; verify the code is valid on that date"
        return stale

    def work(self, text: str, *, setting: Setting, include_negated: bool) -> Worked:
        """Candidates after every guideline rule, before scoring (with the time of each stage)."""
        started = time.perf_counter()
        document = self.pipeline.process(text)
        timings = _nlp_timings(document, _since(started))
        check("candidates")
        started = time.perf_counter()
        mentions = [with_history_cue(text, m) for m in document.mentions]
        found = generate(
            text, mentions, codebook=self.codebook, matcher=self.matcher, semantic=self.semantic
        )
        timings["candidates"] = _since(started)
        check("guidelines")
        started = time.perf_counter()
        kept, dropped = apply_assertions(found, setting=setting, include_negated=include_negated)
        kept = apply_combinations(kept, self.codebook)
        kept, integral = drop_integral_symptoms(kept)
        leaves: list[Candidate] = []
        for candidate in kept:
            check("guidelines")
            if candidate.system is System.ICD10CM:
                refined = refine(self.codebook, candidate.code, {})
                candidate.code = refined.code
                candidate.warnings.extend(
                    w for w in refined.warnings if w not in candidate.warnings
                )
                record = self.codebook.get(System.ICD10CM, candidate.code)
                if record is None or not record.billable:
                    dropped.append(Dropped(candidate.code, "no billable leaf reached"))
                    continue
            leaves.append(candidate)
        merged = drop_less_specific(merge_by_code(leaves), self.codebook)
        diagnoses = [c.code for c in merged]
        check("procedures")
        services = procedure_candidates(
            text, mentions, setting=setting, codebook=self.codebook, diagnosis_codes=diagnoses
        )
        vaccines = [c for c in services if c.rule == "service:vaccine"]
        merged.extend(drug_status(text, diagnoses) + bmi_status(text, diagnoses))
        merged.extend(device_status(text, diagnoses))
        merged.extend(immunization_status(vaccines))
        merged = merge_by_code(merged)
        merged.extend(services)
        flag_excludes1(merged, self.codebook)
        link_instructions(merged, self.codebook)
        timings["guidelines"] = _since(started)
        return Worked(mentions, merged, [*dropped, *integral], timings)

    def code(
        self,
        text: str,
        *,
        setting: Setting = "outpatient",
        date_of_service: date | None = None,
        options: CodingOptions | None = None,
    ) -> CodingResult:
        """Suggest codes for ``text``; raises a ``CACError`` subclass on bad input.

        ``options`` may be any object with ``CodingOptions``' attributes (missing ones default),
        such as the evaluation harness's own options record.
        """
        result, _ = self.code_timed(
            text, setting=setting, date_of_service=date_of_service, options=options
        )
        return result

    def code_timed(
        self,
        text: str,
        *,
        setting: Setting = "outpatient",
        date_of_service: date | None = None,
        options: CodingOptions | None = None,
    ) -> tuple[CodingResult, dict[str, float]]:
        """``code``, with the milliseconds each of ``STAGES`` took for this call.

        Raises ``NoteTimeBudgetExceeded`` when the call runs past ``time_budget_s`` (checked
        between stages and inside the loops over mentions and candidates).
        """
        with time_budget(self.time_budget_s):
            return self._code_timed(
                text, setting=setting, date_of_service=date_of_service, options=options
            )

    def _code_timed(
        self,
        text: str,
        *,
        setting: Setting,
        date_of_service: date | None,
        options: CodingOptions | None,
    ) -> tuple[CodingResult, dict[str, float]]:
        include_negated = bool(getattr(options, "include_negated", False))
        use_ranker = bool(getattr(options, "use_ranker", True))
        min_confidence = getattr(options, "min_confidence", None)
        note = _validate(text)
        if setting not in ("outpatient", "inpatient"):
            raise CACError(f"unknown setting {setting!r}; use outpatient or inpatient")
        stale = self.check_date(date_of_service)
        started = time.perf_counter()
        worked = self.work(note, setting=setting, include_negated=include_negated)
        check("ranking")
        ranking_started = time.perf_counter()
        ranker = self.ranker if use_ranker else None
        if ranker is not None:
            probabilities = ranker.score(worked.candidates, note)
            threshold = ranker.threshold if min_confidence is None else float(min_confidence)
            # By default the ranker vetoes only what the rules found weakly (partial, fuzzy or
            # semantic matches): a code named exactly by the terminology or made by a guideline
            # rule stays, with the ranker's probability as its confidence, for the coder to judge.
            # The ranker is trained on CodiEsp case reports; letting it drop exact matches cost
            # recall on notes unlike them. An explicit ``min_confidence`` is applied strictly.
            keep = RULES_KEEP if min_confidence is None else float("inf")
            scored = [
                (c, p)
                for c, p in zip(worked.candidates, probabilities, strict=True)
                if p >= threshold or c.system is not System.ICD10CM or rule_confidence(c) >= keep
            ]
        else:
            floor = float(min_confidence or 0.0)
            scored = [(c, rule_confidence(c)) for c in worked.candidates]
            scored = [(c, p) for c, p in scored if p >= floor]
        for candidate, _ in scored:
            if candidate.system in stale:
                candidate.warnings.append(stale[candidate.system])
        check("output")
        result = suggestions(note, scored, self.codebook)
        reason = None
        if not result:
            reason = (
                "no codable content found"
                if not worked.mentions
                else "no mention supports a code under the coding guidelines"
            )
        coded = CodingResult(
            suggestions=result,
            mentions=[mention_out(m) for m in worked.mentions],
            documentation_queries=documentation_queries(note, worked.mentions),
            versions=self.versions(),
            setting=setting,
            date_of_service=date_of_service,
            no_suggestions_reason=reason,
        )
        timings = {**worked.timings, "ranking": _since(ranking_started)}
        log.info(
            "coded note: %d mentions, %d suggestions, %.1f ms",
            len(worked.mentions),
            len(result),
            _since(started),
        )
        return coded, timings


def load_coder(
    *, with_ranker: bool | None = None, with_semantic: bool | None = None
) -> CodingEngine:
    """Load the code sets, pipeline, matcher, ranker and (when asked) the semantic matcher once.

    ``None`` reads the switches from the environment (``CAC_RANKER=off``, ``CAC_SEMANTIC=on``),
    so callers that cannot pass arguments (the evaluation harness) can still compare runs.

    Semantic matching is off unless asked for: on both gold sets it added false positives and
    almost no recall (CodiEsp dev: 5 more true and 16 more false codes, 2 true codes lost;
    synthetic set, ICD-10-CM: precision .967 -> .956, recall .967 unchanged), for a third of
    the coding time.
    """
    from models.loading import load_engine

    def switch(value: bool | None, name: str, default: str) -> bool:
        if value is not None:
            return value
        return os.environ.get(name, default).strip().lower() not in ("off", "0", "false", "no")

    return load_engine(
        with_ranker=switch(with_ranker, "CAC_RANKER", "on"),
        with_semantic=switch(with_semantic, "CAC_SEMANTIC", "off"),
    )
