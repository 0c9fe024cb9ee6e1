"""Loading the engine's parts once: code sets, pipeline, phrase matcher (cached), ranker, semantic.

The phrase matcher's table is built from every code name of the loaded ICD-10-CM release plus the
curated lexicon, and kept on disk next to the code-set cache (``<cache>/models/``) under a key
made of the release versions and the lexicon's checksum, so later starts only read it.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import marshal
import time
from importlib import resources
from pathlib import Path

from codesets.config import get_config
from codesets.model import System
from models.codebook import CodeBook, open_codebook
from models.engine import CodingEngine
from models.errors import ModelArtifactError
from models.matching import TermMatcher
from models.rules import lexicon_data

log = logging.getLogger(__name__)

MATCHER_FORMAT = "1"
_WARM_UP_NOTE = (
    "Office visit, established patient. Total time 30 minutes.\n"
    "Assessment: left knee pain; hypertension; type 2 diabetes (DM2) with CKD stage 3a.\n"
    "Plan: CBC ordered. Influenza vaccine given. Fracture of the distal right radius."
)


def model_cache_dir() -> Path:
    """Where the coder keeps its derived files (matcher table, embeddings)."""
    return get_config().cache_dir / "models"


def _matcher_key(codebook: CodeBook) -> str:
    lexicon = resources.files("models").joinpath("data", "lexicon.json").read_bytes()
    versions = sorted(f"{k.value}={v}" for k, v in codebook.versions().items())
    raw = "|".join([MATCHER_FORMAT, *versions, hashlib.sha256(lexicon).hexdigest()])
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def load_matcher(codebook: CodeBook, cache_dir: Path | None = None) -> TermMatcher:
    """The phrase matcher, read from the cache or built (and cached) from the code names."""
    directory = cache_dir or model_cache_dir()
    path = directory / f"terms-{_matcher_key(codebook)}.marshal"
    if path.is_file():
        try:
            return TermMatcher(marshal.loads(path.read_bytes()))
        except (ValueError, EOFError, TypeError):
            log.warning("matcher cache unreadable; rebuilding")
    started = time.perf_counter()
    lexicon = [(e.phrase, e.code) for e in lexicon_data().entries]
    matcher = TermMatcher.build(codebook.terms(System.ICD10CM), lexicon)
    directory.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_bytes(marshal.dumps(matcher.table))
    partial.replace(path)
    for stale in directory.glob("terms-*.marshal"):
        if stale != path:
            stale.unlink(missing_ok=True)  # a table of older releases or lexicon
    log.info("built matcher: %d keys in %.1f s", len(matcher), time.perf_counter() - started)
    return matcher


def load_engine(*, with_ranker: bool = True, with_semantic: bool = False) -> CodingEngine:
    """Every part of the engine, loaded once."""
    from models.em import em_patterns
    from models.procedures import procedure_patterns
    from models.status import status_patterns
    from nlp.pipeline import PIPELINE_VERSION, ClinicalPipeline
    from nlp.prefilter import share_scans

    codebook = open_codebook()
    matcher = load_matcher(codebook)
    ranker = None
    if with_ranker:
        from models.ranker import ARTIFACT_DIR, Ranker

        try:
            ranker = Ranker.load(ARTIFACT_DIR, codebook)
        except ModelArtifactError as error:
            log.warning("ranker not loaded (%s); using rule confidence", error.message)
    semantic = None
    if with_semantic:
        from models.semantic import open_semantic

        semantic = open_semantic(codebook, model_cache_dir())
    pipeline = ClinicalPipeline()
    # the attribute, procedure, E/M and status cues of a note are found in one pass, not four
    share_scans(
        pipeline.attributes.patterns, procedure_patterns(), em_patterns(), status_patterns()
    )
    engine = CodingEngine(
        codebook=codebook,
        pipeline=pipeline,
        matcher=matcher,
        pipeline_version=PIPELINE_VERSION,
        ranker=ranker,
        semantic=semantic,
    )
    # One made-up note builds what is built on first use (rule caches, cue scanners), here rather
    # than in the first requests, which may arrive on several threads at once.
    engine.code(_WARM_UP_NOTE)
    # What was just loaded lives as long as the process: moved out of the collector's reach, a
    # full collection no longer walks its ~330,000 objects in the middle of a note (a first
    # pass over 250 CodiEsp notes: mean 8.7 -> 7.9 ms, slowest note 196 -> 44 ms).
    gc.collect()
    gc.freeze()
    return engine
