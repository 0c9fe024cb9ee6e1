"""The semantic matcher: float32 scoring, the phrase cache, and the NumPy MiniLM encoder."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from threadpoolctl import threadpool_info, threadpool_limits

from models import semantic
from models.semantic import SemanticIndex

PHRASES = ["chest pain", "type 2 diabetes mellitus with neuropathy", "HTN", "left femur fracture"]


class _Axes:
    """Encodes a phrase as the unit vector of the axis its first letter names; counts calls."""

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.encoded.extend(texts)
        out = np.zeros((len(texts), 3), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, "abc".index(text[0])] = 1.0
        return out


def _index(encoder: _Axes) -> SemanticIndex:
    matrix = np.eye(3, dtype=np.float16)  # stored as float16 on disk
    return SemanticIndex(matrix, ["A00", "B00", "C00"], ["a", "b", "c"], encoder)


def test_matches_in_float32_and_caches_each_phrase() -> None:
    encoder = _Axes()
    index = _index(encoder)
    assert index._matrix.dtype == np.float32  # no float16 product (NumPy has no BLAS for it)
    first = index.match(["apple", " Banana ", "apple"])
    assert [m.code if m else None for m in first] == ["A00", "B00", "A00"]
    assert encoder.encoded == ["apple", "banana"]  # once each, normalized, in one batch
    assert index.match(["banana", "cherry"])[1] is not None
    assert encoder.encoded == ["apple", "banana", "cherry"]  # banana came from the cache


def test_cache_is_bounded_and_keeps_recent_phrases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "_CACHE_SIZE", 2)
    encoder = _Axes()
    index = _index(encoder)
    index.match(["a1"])
    index.match(["b1"])
    index.match(["a1"])  # a1 is now the most recent
    index.match(["c1"])  # evicts b1, the least recently used
    encoder.encoded.clear()
    index.match(["a1", "b1"])
    assert encoder.encoded == ["b1"]


def test_opening_the_index_limits_blas_to_one_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, codebook: Any
) -> None:
    for stem in semantic._parts(codebook).values():
        np.save(tmp_path / f"{stem}.npy", np.eye(3, dtype=np.float16))
        table = {"codes": ["A00", "B00", "C00"], "names": ["a", "b", "c"]}
        (tmp_path / f"{stem}.json").write_text(json.dumps(table))
    monkeypatch.setattr(semantic, "MiniLM", lambda path: _Axes())
    monkeypatch.setattr(semantic, "model_path", lambda: tmp_path)
    with threadpool_limits(limits=2, user_api="blas"):  # restored for the other tests
        index = semantic.open_semantic(codebook, tmp_path)
        assert index is not None
        assert [m.code if m else None for m in index.match(["apple"])] == ["A00"]
        blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
        assert blas and all(threads == 1 for threads in blas)


def test_minilm_matches_transformers() -> None:
    transformers = pytest.importorskip("transformers")
    torch = pytest.importorskip("torch")
    from models.minilm import MiniLM, model_path

    path = model_path()
    ours = MiniLM(path).encode(PHRASES)
    tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = transformers.AutoModel.from_pretrained(path, local_files_only=True).eval()
    tokens = tokenizer(PHRASES, padding=True, truncation=True, max_length=64, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**tokens).last_hidden_state
    mask = tokens["attention_mask"].unsqueeze(-1).float()
    pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=1).numpy()
    assert ours.shape == (len(PHRASES), 384) and ours.dtype == np.float32
    assert np.abs(ours - pooled).max() < 1e-5
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-6)
