"""Same-run anchors: plain spaCy tokenization (the floor) and medspaCy's default pipeline.

Both run over the same notes in the same process as the coder, after it, so that machine load
affects all three alike and the ratios mean something.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from evaluation.bench.stats import mean


def _time_each(run: Callable[[str], Any], texts: Sequence[str]) -> list[float]:
    run(texts[0])  # warm caches (lexeme tables, lazily built matchers) outside the clock
    timings = []
    for text in texts:
        started = time.perf_counter()
        run(text)
        timings.append(1000 * (time.perf_counter() - started))
    return timings


def tokenizer_ms_per_note(texts: Sequence[str]) -> float:
    """Mean milliseconds per note of ``spacy.blank("en")``'s tokenizer alone."""
    import spacy

    nlp = spacy.blank("en")
    return mean(_time_each(nlp.make_doc, texts))


def medspacy_ms_per_note(texts: Sequence[str]) -> tuple[float, float, list[str]]:
    """Mean milliseconds per note of ``medspacy.load()``, its load seconds, and its stage names."""
    import medspacy
    from loguru import logger

    # PyRuSH logs every sentence decision at DEBUG to stderr by default; timing that terminal
    # output would flatter us, so the anchor measures the pipeline with it switched off.
    logger.disable("PyRuSH")
    started = time.perf_counter()
    nlp = medspacy.load()
    load_s = time.perf_counter() - started
    return mean(_time_each(nlp, texts)), load_s, list(nlp.pipe_names)
